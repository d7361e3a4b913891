/**
 * Per-function concurrency: up to `max` invocations in flight, then a bounded FIFO queue
 * whose requests wait at most `maxWaitMs`. A full queue or a wait too long is 429 FN_007
 * with `retry-after` (contract 2.2).
 */
import { BunbaseError } from "../../../core/index.ts";

interface Waiter {
  admit(): void;
  refuse(error: unknown): void;
  timer: NodeJS.Timeout;
}

export class Admission {
  inFlight = 0;
  readonly #queue: Waiter[] = [];

  get queued(): number {
    return this.#queue.length;
  }

  /** Resolves when the caller may run; it must call leave() exactly once afterwards. */
  enter(max: number, maxQueue: number, maxWaitMs: number): Promise<void> | undefined {
    if (this.inFlight < max && this.#queue.length === 0) {
      this.inFlight += 1;
      return undefined;
    }
    if (this.#queue.length >= maxQueue) {
      return Promise.reject(throttled(`${maxQueue} requests already wait for this function`));
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        admit: resolve,
        refuse: reject,
        timer: setTimeout(() => {
          const at = this.#queue.indexOf(waiter);
          if (at !== -1) this.#queue.splice(at, 1);
          reject(throttled(`no slot freed up within ${maxWaitMs} ms`));
        }, maxWaitMs),
      };
      this.#queue.push(waiter);
    });
  }

  /** Frees a slot: the next waiter takes it at once. */
  leave(): void {
    const next = this.#queue.shift();
    if (next === undefined) {
      this.inFlight -= 1;
      return;
    }
    clearTimeout(next.timer);
    next.admit();
  }

  refuseAll(error: unknown): void {
    for (const waiter of this.#queue.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.refuse(error);
    }
  }
}

function throttled(why: string): BunbaseError {
  return new BunbaseError("FN_007", `Concurrency limit exceeded: ${why}`, { headers: { "retry-after": "1" } });
}
