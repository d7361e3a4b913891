/**
 * setTimeout/setInterval backed by host timers: the guest keeps the callbacks, the host
 * only counts milliseconds and calls `fire(id)` back. Cleared timers never fire; timers
 * still pending when an invocation ends are cancelled (as in Workers, a timer does not
 * outlive its request).
 */
export interface TimerHost {
  start(id: number, ms: number): void;
  cancel(id: number): void;
}

interface Timer {
  callback: (...args: unknown[]) => void;
  args: unknown[];
  ms: number;
  repeat: boolean;
}

const MAX_DELAY = 2 ** 31 - 1;

export function createTimers(host: TimerHost, onError: (error: unknown) => void) {
  const timers = new Map<number, Timer>();
  let nextId = 1;

  function schedule(callback: unknown, delay: unknown, args: unknown[], repeat: boolean): number {
    if (typeof callback !== "function") throw new TypeError("The callback must be a function");
    const ms = Math.min(Math.max(Number(delay) || 0, 0), MAX_DELAY);
    const id = nextId++;
    timers.set(id, { callback: callback as Timer["callback"], args, ms, repeat });
    host.start(id, ms);
    return id;
  }

  function clear(id: unknown): void {
    const key = Number(id);
    if (!timers.delete(key)) return;
    host.cancel(key);
  }

  /** Called by the host when timer `id` is due. */
  function fire(id: number): void {
    const timer = timers.get(id);
    if (timer === undefined) return;
    if (timer.repeat) host.start(id, timer.ms);
    else timers.delete(id);
    try {
      timer.callback(...timer.args);
    } catch (error) {
      onError(error);
    }
  }

  /** Forgets every pending timer (the host drops its side at the same time). */
  function cancelAll(): void {
    timers.clear();
  }

  const api = {
    setTimeout: (callback: unknown, delay?: unknown, ...args: unknown[]) => schedule(callback, delay, args, false),
    setInterval: (callback: unknown, delay?: unknown, ...args: unknown[]) => schedule(callback, delay, args, true),
    clearTimeout: clear,
    clearInterval: clear,
  };
  return { api, fire, cancelAll, pending: () => timers.size > 0 };
}
