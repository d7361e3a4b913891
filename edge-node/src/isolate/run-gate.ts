/**
 * The node-wide cap on isolates executing at once. isolated-vm runs every isolate's work
 * on its own thread pool; with hundreds of busy isolates and no cap, median latency went
 * from ~0.24 ms to ~35 ms on this machine (issue 3), so at most `cores + 1` isolates hold
 * a slot and the rest wait in FIFO order. This is not the per-function concurrency limit:
 * an isolate holds one slot however many of its invocations are in flight.
 * Background work (refilling pre-warmed isolates) waits behind requests.
 */
import { availableParallelism } from "node:os";

export class RunGate {
  readonly slots: number;
  #free: number;
  readonly #waiting: (() => void)[] = [];
  readonly #background: (() => void)[] = [];

  constructor(slots = availableParallelism() + 1) {
    this.slots = Math.max(1, slots);
    this.#free = this.slots;
  }

  /** Resolves when a slot is ours; every acquire() needs exactly one release(). */
  acquire(background = false): Promise<void> {
    if (this.#free > 0 && (background ? this.#waiting.length === 0 : true)) {
      this.#free -= 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => (background ? this.#background : this.#waiting).push(resolve));
  }

  release(): void {
    const next = this.#waiting.shift() ?? this.#background.shift();
    if (next !== undefined) next();
    else this.#free += 1;
  }

  get queued(): number {
    return this.#waiting.length + this.#background.length;
  }
}
