/**
 * `FormData` (https://xhr.spec.whatwg.org/#interface-formdata): an ordered list of
 * (name, string | File) entries. Blobs appended become Files, as the spec says.
 */
import { Blob, File } from "./blob.guest.ts";

export type FormDataEntryValue = string | File;

const entriesOf = new WeakMap<FormData, [string, FormDataEntryValue][]>();

/** https://xhr.spec.whatwg.org/#create-an-entry */
function entry(name: string, value: unknown, filename?: string): [string, FormDataEntryValue] {
  if (!(value instanceof Blob)) return [String(name), String(value)];
  if (value instanceof File && filename === undefined) return [String(name), value];
  const fileName = filename !== undefined ? String(filename) : value instanceof File ? value.name : "blob";
  const lastModified = value instanceof File ? value.lastModified : undefined;
  return [String(name), new File([value], fileName, { type: value.type, lastModified })];
}

function list(form: FormData): [string, FormDataEntryValue][] {
  const entries = entriesOf.get(form);
  if (entries === undefined) throw new TypeError("Illegal invocation");
  return entries;
}

export class FormData {
  constructor(form?: unknown) {
    if (form !== undefined) throw new TypeError("FormData: a form element is not available here");
    entriesOf.set(this, []);
  }

  append(name: string, value: string | Blob, filename?: string): void {
    list(this).push(entry(name, value, filename));
  }

  set(name: string, value: string | Blob, filename?: string): void {
    const entries = list(this);
    const made = entry(name, value, filename);
    const first = entries.findIndex(([key]) => key === made[0]);
    if (first === -1) return void entries.push(made);
    entries[first] = made;
    entriesOf.set(
      this,
      entries.filter(([key], index) => index <= first || key !== made[0]),
    );
  }

  get(name: string): FormDataEntryValue | null {
    return list(this).find(([key]) => key === String(name))?.[1] ?? null;
  }

  getAll(name: string): FormDataEntryValue[] {
    return list(this)
      .filter(([key]) => key === String(name))
      .map(([, value]) => value);
  }

  has(name: string): boolean {
    return list(this).some(([key]) => key === String(name));
  }

  delete(name: string): void {
    entriesOf.set(
      this,
      list(this).filter(([key]) => key !== String(name)),
    );
  }

  forEach(callback: (value: FormDataEntryValue, key: string, parent: FormData) => void, thisArg?: unknown): void {
    for (const [key, value] of this) callback.call(thisArg, value, key, this);
  }

  *entries(): IterableIterator<[string, FormDataEntryValue]> {
    // Live, like the spec's iterator: entries appended while iterating are visited.
    for (let i = 0; i < list(this).length; i++) yield [...list(this)[i]] as [string, FormDataEntryValue];
  }

  *keys(): IterableIterator<string> {
    for (const [key] of this.entries()) yield key;
  }

  *values(): IterableIterator<FormDataEntryValue> {
    for (const [, value] of this.entries()) yield value;
  }

  [Symbol.iterator](): IterableIterator<[string, FormDataEntryValue]> {
    return this.entries();
  }

  get [Symbol.toStringTag](): string {
    return "FormData";
  }
}
