/**
 * WHATWG Fetch `Headers` (https://fetch.spec.whatwg.org/#headers-class) for the isolate:
 * case-insensitive names, repeated values combined with ", " on read, `set-cookie`
 * kept apart (getSetCookie), iteration sorted by name.
 */
export type HeadersInit = Headers | Iterable<readonly [string, string]> | Record<string, string>;

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// RFC 9110 5.5: field values carry no NUL, CR or LF; leading/trailing whitespace is trimmed.
const INVALID_VALUE = /[\0\r\n]/;

function normalizeName(name: unknown): string {
  const text = String(name);
  if (!TOKEN.test(text)) throw new TypeError(`Invalid header name: "${text}"`);
  return text.toLowerCase();
}

function normalizeValue(value: unknown): string {
  const text = String(value).replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, "");
  if (INVALID_VALUE.test(text)) throw new TypeError(`Invalid header value for a header`);
  return text;
}

const immutable = new WeakSet<Headers>();

/** Marks headers that scripts may not change (the "immutable" guard of Response.redirect/error). */
export function makeImmutable(headers: Headers): void {
  immutable.add(headers);
}

/**
 * For the runtime, not globals: headers made from the host's request pairs (a fresh array
 * per request, values checked by Node's parser: taken as they are, names lowercased), and
 * the sort-and-combine list of a response's headers as an array (what crosses to the host).
 */
export let headersFromHost: (pairs: [string, string][]) => Headers;
export let headerList: (headers: Headers) => [string, string][];

/** The spec's "sort and combine": one entry per name, sorted, set-cookie one per value. */
function sortAndCombine(entries: readonly [string, string][]): [string, string][] {
  if (entries.length === 1) return [[entries[0][0], entries[0][1]]];
  const names = [...new Set(entries.map(([n]) => n))].sort();
  const out: [string, string][] = [];
  for (const name of names) {
    const values = entries.filter(([n]) => n === name).map(([, v]) => v);
    if (name === "set-cookie") for (const value of values) out.push([name, value]);
    else out.push([name, values.join(", ")]);
  }
  return out;
}

export class Headers {
  #entries: [string, string][] = [];

  static {
    headersFromHost = (pairs) => {
      const headers = new Headers();
      for (const pair of pairs) pair[0] = pair[0].toLowerCase();
      headers.#entries = pairs;
      return headers;
    };
    headerList = (headers) => sortAndCombine(headers.#entries);
  }

  constructor(init?: HeadersInit | null) {
    if (init === undefined || init === null) return;
    if (init instanceof Headers) {
      for (const [name, value] of init.#entries) this.#entries.push([name, value]);
    } else if (typeof init === "object" && Symbol.iterator in init) {
      for (const pair of init as Iterable<readonly [string, string]>) {
        const list = Array.from(pair as Iterable<string>);
        if (list.length !== 2) throw new TypeError("Header pairs must have exactly two items");
        this.append(list[0], list[1]);
      }
    } else if (typeof init === "object") {
      for (const name of Object.keys(init)) this.append(name, (init as Record<string, string>)[name]);
    } else {
      throw new TypeError("Headers init must be an object or an iterable of pairs");
    }
  }

  #checkMutable(): void {
    if (immutable.has(this)) throw new TypeError("Headers are immutable");
  }

  append(name: string, value: string): void {
    this.#checkMutable();
    this.#entries.push([normalizeName(name), normalizeValue(value)]);
  }

  delete(name: string): void {
    this.#checkMutable();
    const key = normalizeName(name);
    this.#entries = this.#entries.filter(([n]) => n !== key);
  }

  get(name: string): string | null {
    const key = normalizeName(name);
    const values = this.#entries.filter(([n]) => n === key).map(([, v]) => v);
    return values.length === 0 ? null : values.join(", ");
  }

  getSetCookie(): string[] {
    return this.#entries.filter(([n]) => n === "set-cookie").map(([, v]) => v);
  }

  has(name: string): boolean {
    const key = normalizeName(name);
    return this.#entries.some(([n]) => n === key);
  }

  set(name: string, value: string): void {
    this.#checkMutable();
    const key = normalizeName(name);
    const text = normalizeValue(value);
    const index = this.#entries.findIndex(([n]) => n === key);
    if (index === -1) {
      this.#entries.push([key, text]);
      return;
    }
    this.#entries[index] = [key, text];
    this.#entries = this.#entries.filter(([n], i) => n !== key || i === index);
  }

  /** The "sort and combine" list of the spec, as it is when iteration starts. */
  *entries(): IterableIterator<[string, string]> {
    yield* sortAndCombine(this.#entries);
  }

  *keys(): IterableIterator<string> {
    for (const [name] of this.entries()) yield name;
  }

  *values(): IterableIterator<string> {
    for (const [, value] of this.entries()) yield value;
  }

  forEach(callback: (value: string, name: string, headers: Headers) => void, thisArg?: unknown): void {
    for (const [name, value] of this.entries()) callback.call(thisArg, value, name, this);
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }

  get [Symbol.toStringTag](): string {
    return "Headers";
  }
}
