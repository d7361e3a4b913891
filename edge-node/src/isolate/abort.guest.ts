/**
 * Event, EventTarget, AbortController and AbortSignal (https://dom.spec.whatwg.org/#aborting-ongoing-activities)
 * in the subset server code uses: listeners (with `once`), `aborted`, `reason`,
 * `throwIfAborted()`, `onabort`, `AbortSignal.abort()`, `AbortSignal.timeout()`,
 * `AbortSignal.any()`.
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
    // One throwing listener does not keep the others from running; its error surfaces after.
    const failures: unknown[] = [];
    for (const entry of [...(this.#listeners.get(event.type) ?? [])]) {
      if (entry.once) this.removeEventListener(event.type, entry.listener);
      try {
        if (typeof entry.listener === "function") entry.listener.call(this, event);
        else entry.listener.handleEvent(event);
      } catch (error) {
        failures.push(error);
      }
    }
    if (failures.length > 0) throw failures[0];
    return !event.defaultPrevented;
  }
}

interface SignalState {
  aborted: boolean;
  reason: unknown;
  /** Signals made by any() that abort with this one; dropped once it aborts. */
  dependents: Set<AbortSignal>;
  /** For a signal made by any(): the non-dependent signals it follows. */
  sources: AbortSignal[];
}

const signals = new WeakMap<AbortSignal, SignalState>();

export class AbortSignal extends EventTarget {
  onabort: ((event: Event) => void) | null = null;

  constructor() {
    super();
    signals.set(this, { aborted: false, reason: undefined, dependents: new Set(), sources: [] });
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

  /**
   * A signal that aborts with the first of `signals` to abort, at once if one already has
   * (https://dom.spec.whatwg.org/#create-a-dependent-abort-signal). A signal made by any()
   * is followed through its own sources, so chains of any() do not keep each other alive.
   */
  static any(signals: Iterable<AbortSignal>): AbortSignal {
    const list = [...signals];
    for (const signal of list) {
      if (!(signal instanceof AbortSignal)) throw new TypeError("AbortSignal.any: every item must be an AbortSignal");
    }
    const result = new AbortSignal();
    const already = list.find((signal) => signal.aborted);
    if (already !== undefined) {
      abortSignal(result, already.reason);
      return result;
    }
    const state = stateOf(result);
    for (const signal of list) {
      const own = stateOf(signal);
      for (const source of own.sources.length > 0 ? own.sources : [signal]) {
        if (state.sources.includes(source)) continue;
        state.sources.push(source);
        stateOf(source).dependents.add(result);
      }
    }
    return result;
  }
}

function stateOf(signal: AbortSignal): SignalState {
  const state = signals.get(signal);
  if (state === undefined) throw new TypeError("Illegal invocation: not an AbortSignal");
  return state;
}

/** https://dom.spec.whatwg.org/#abortsignal-signal-abort: every signal is marked before any event fires. */
function abortSignal(signal: AbortSignal, reason: unknown): void {
  const state = signals.get(signal);
  if (state === undefined || state.aborted) return;
  state.aborted = true;
  state.reason = reason === undefined ? new DOMException("This operation was aborted", "AbortError") : reason;
  const dependents = [...state.dependents].filter((dependent) => {
    const own = stateOf(dependent);
    if (own.aborted) return false;
    own.aborted = true;
    own.reason = state.reason;
    for (const source of own.sources) stateOf(source).dependents.delete(dependent);
    return true;
  });
  state.dependents.clear();
  const failures: unknown[] = [];
  for (const target of [signal, ...dependents]) {
    const event = new Event("abort");
    for (const fire of [() => target.onabort?.call(target, event), () => target.dispatchEvent(event)]) {
      try {
        fire();
      } catch (error) {
        failures.push(error);
      }
    }
  }
  if (failures.length > 0) throw failures[0];
}

export class AbortController {
  readonly signal = new AbortSignal();

  abort(reason?: unknown): void {
    abortSignal(this.signal, reason);
  }
}
