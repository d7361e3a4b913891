/**
 * A small memo for pure per-request work keyed by a short string (a request target, a
 * URL): hot paths repeat, so most requests find their answer instead of parsing again.
 * Bounded: past `capacity` entries it starts over, so a client sending unique keys costs
 * what the work costs without the memo, and memory stays at most `capacity` short keys.
 */
export class Memo<V> {
  readonly #entries = new Map<string, V>();

  constructor(
    private readonly capacity = 512,
    /** Longer keys are computed every time, never kept. */
    private readonly maxKeyLength = 512,
  ) {}

  get(key: string, make: (key: string) => V): V {
    const known = this.#entries.get(key);
    if (known !== undefined) return known;
    const value = make(key);
    if (key.length <= this.maxKeyLength && value !== undefined) {
      if (this.#entries.size >= this.capacity) this.#entries.clear();
      this.#entries.set(key, value);
    }
    return value;
  }
}
