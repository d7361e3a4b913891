/**
 * Event, EventTarget, AbortController and AbortSignal (https://dom.spec.whatwg.org/#aborting-ongoing-activities)
 * in the subset server code uses: listeners (with `once`), `aborted`, `reason`,
 * `throwIfAborted()`, `onabort`, `AbortSignal.abort()`, `AbortSignal.timeout()`.
 */
type Listener = ((event: Event) => void) | { handleEvent(event: Event): void };

export class Event {
  readonly type: string;
  #target: EventTarget | null = null;
  defaultPrevented = false;

  constructor(type: string) {
    this.type = String(type);
  }

  get target(): EventTarget | null {
    return this.#target;
  }

  static setTarget(event: Event, target: EventTarget): void {
    event.#target = target;
  }

  preventDefault(): void {
    this.defaultPrevented = true;
  }
}

export class EventTarget {
  #listeners = new Map<string, { listener: Listener; once: boolean }[]>();

  addEventListener(type: string, listener: Listener | null, options?: boolean | { once?: boolean }): void {
    if (listener === null) return;
    const list = this.#listeners.get(type) ?? [];
    if (list.some((entry) => entry.listener === listener)) return;
    list.push({ listener, once: typeof options === "object" && options.once === true });
    this.#listeners.set(type, list);
  }

  removeEventListener(type: string, listener: Listener | null): void {
    const list = this.#listeners.get(type);
    if (list !== undefined)
      this.#listeners.set(
        type,
        list.filter((entry) => entry.listener !== listener),
      );
  }

  dispatchEvent(event: Event): boolean {
    Event.setTarget(event, this);
    for (const entry of [...(this.#listeners.get(event.type) ?? [])]) {
      if (entry.once) this.removeEventListener(event.type, entry.listener);
      if (typeof entry.listener === "function") entry.listener.call(this, event);
      else entry.listener.handleEvent(event);
    }
    return !event.defaultPrevented;
  }
}

const signals = new WeakMap<AbortSignal, { aborted: boolean; reason: unknown }>();

export class AbortSignal extends EventTarget {
  onabort: ((event: Event) => void) | null = null;

  constructor() {
    super();
    signals.set(this, { aborted: false, reason: undefined });
  }

  get aborted(): boolean {
    return signals.get(this)?.aborted ?? false;
  }

  get reason(): unknown {
    return signals.get(this)?.reason;
  }

  throwIfAborted(): void {
    if (this.aborted) throw this.reason;
  }

  static abort(reason?: unknown): AbortSignal {
    const signal = new AbortSignal();
    abortSignal(signal, reason);
    return signal;
  }

  static timeout(ms: number): AbortSignal {
    const signal = new AbortSignal();
    setTimeout(() => abortSignal(signal, new DOMException("The operation timed out.", "TimeoutError")), ms);
    return signal;
  }
}

function abortSignal(signal: AbortSignal, reason: unknown): void {
  const state = signals.get(signal);
  if (state === undefined || state.aborted) return;
  state.aborted = true;
  state.reason = reason === undefined ? new DOMException("This operation was aborted", "AbortError") : reason;
  const event = new Event("abort");
  signal.onabort?.call(signal, event);
  signal.dispatchEvent(event);
}

export class AbortController {
  readonly signal = new AbortSignal();

  abort(reason?: unknown): void {
    abortSignal(this.signal, reason);
  }
}
