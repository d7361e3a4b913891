/**
 * setTimeout/setInterval backed by host timers: the guest keeps the callbacks, the host
 * only counts milliseconds and calls `fire(id)` back. Each timer belongs to the invocation
 * that set it; a timer still pending when its invocation ends is cancelled (as in Workers,
 * a timer does not outlive its request), and firing makes its owner current again.
 */
import { currentInvocation, enter } from "./invocations.guest.ts";

export interface TimerHost {
  start(id: number, ms: number, owner: number): void;
  cancel(id: number): void;
}

interface Timer {
  callback: (...args: unknown[]) => void;
  args: unknown[];
  ms: number;
  repeat: boolean;
  owner: number;
}

const MAX_DELAY = 2 ** 31 - 1;

export function createTimers(host: TimerHost, onError: (error: unknown) => void) {
  const timers = new Map<number, Timer>();
  let nextId = 1;

  function schedule(callback: unknown, delay: unknown, args: unknown[], repeat: boolean): number {
    if (typeof callback !== "function") throw new TypeError("The callback must be a function");
    const ms = Math.min(Math.max(Number(delay) || 0, 0), MAX_DELAY);
    const id = nextId++;
    const owner = currentInvocation();
    timers.set(id, { callback: callback as Timer["callback"], args, ms, repeat, owner });
    host.start(id, ms, owner);
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
    enter(timer.owner);
    if (timer.repeat) host.start(id, timer.ms, timer.owner);
    else timers.delete(id);
    try {
      timer.callback(...timer.args);
    } catch (error) {
      onError(error);
    }
  }

  /** Forgets the timers of one invocation (the host drops its side at the same time). */
  function cancelFor(owner: number): void {
    for (const [id, timer] of timers) if (timer.owner === owner) timers.delete(id);
  }

  function pendingFor(owner: number): boolean {
    for (const timer of timers.values()) if (timer.owner === owner) return true;
    return false;
  }

  const api = {
    setTimeout: (callback: unknown, delay?: unknown, ...args: unknown[]) => schedule(callback, delay, args, false),
    setInterval: (callback: unknown, delay?: unknown, ...args: unknown[]) => schedule(callback, delay, args, true),
    clearTimeout: clear,
    clearInterval: clear,
  };
  return { api, fire, cancelFor, pendingFor };
}

/** HTML's queueMicrotask: `callback` runs as a microtask; what it throws is reported, not swallowed. */
export function createQueueMicrotask(onError: (error: unknown) => void) {
  return function queueMicrotask(callback: () => void): void {
    if (typeof callback !== "function") throw new TypeError("queueMicrotask: the callback must be a function");
    void Promise.resolve().then(() => {
      try {
        callback();
      } catch (error) {
        onError(error);
      }
    });
  };
}
