/**
 * The revision edge nodes follow: every committed change (deploy, rollback, config, env,
 * secrets, delete) bumps it in the store and announces it here, after the commit.
 */
import { EventEmitter } from "node:events";

export class RevisionBus extends EventEmitter<{ revision: [number] }> {
  constructor(private current: number) {
    super();
    this.setMaxListeners(0);
  }

  get revision(): number {
    return this.current;
  }

  announce(revision: number): void {
    if (revision <= this.current) return;
    this.current = revision;
    this.emit("revision", revision);
  }

  /** Resolves true once the revision is >= `target`, false after `timeoutMs`. */
  wait(target: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (this.current >= target) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        this.off("revision", check);
        signal?.removeEventListener("abort", abort);
        resolve(ok);
      };
      const check = (r: number) => r >= target && done(true);
      const abort = () => done(false);
      const timer = setTimeout(() => done(false), timeoutMs);
      this.on("revision", check);
      signal?.addEventListener("abort", abort);
    });
  }
}
