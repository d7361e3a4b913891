/**
 * Which invocation the guest is running right now. One isolate serves many invocations
 * at once, all on one thread, so "current" is set by every entry from the host: the start
 * of a handler, a timer firing, a request-body chunk arriving, a response chunk being read.
 * Microtasks that follow an entry run before the next entry, so a handler resuming after
 * `await` of something the host resolved logs under its own id. Code that resolves a
 * promise from the host itself (fetch, crypto) must wrap the continuation in `resume(key)`.
 * What cannot be told apart: two invocations chaining onto the same user-made promise;
 * those lines go to whichever invocation's entry ran the continuation.
 */
let current = 0;

export function currentInvocation(): number {
  return current;
}

/** Marks the start of an entry for invocation `key`. */
export function enter(key: number): void {
  current = key;
}

/** Wraps a continuation so it runs as invocation `key` (the one current when wrapped). */
export function resume<A extends unknown[], R>(fn: (...args: A) => R, key = current): (...args: A) => R {
  return (...args: A) => {
    current = key;
    return fn(...args);
  };
}
