/**
 * The brute-force limit of `POST /auth/login`: at most `maxFailures` failed logins per
 * email within `windowMs` (default 10 per 15 minutes, as OWASP's Authentication Cheat
 * Sheet suggests). Then every login for that email, right password or not, is `429 FN_007`
 * with `retry-after` until the oldest failure leaves the window. Unknown emails count
 * exactly like known ones, so the answer never tells whether an account exists.
 *
 * An attempt counts as a failure from the moment it starts (and is forgiven if it
 * succeeds), so parallel guesses cannot slip past the limit while their hashes compute.
 * Kept in memory (one origin process); the map is bounded, oldest email first out.
 */
import { BunbaseError } from "../../../core/index.ts";

export interface LoginThrottlePolicy {
  maxFailures: number;
  windowMs: number;
  /** Emails tracked at once. */
  maxEmails: number;
}

export const DEFAULT_LOGIN_THROTTLE: LoginThrottlePolicy = {
  maxFailures: 10,
  windowMs: 15 * 60_000,
  maxEmails: 100_000,
};

export class LoginThrottle {
  /** Per email, the start times of its recent failed (or still running) attempts, oldest first. */
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly policy: LoginThrottlePolicy = DEFAULT_LOGIN_THROTTLE,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts an attempt for `email`, or throws 429 FN_007 when its failures are used up. */
  begin(email: string): void {
    const at = this.now();
    const recent = (this.failures.get(email) ?? []).filter((t) => t > at - this.policy.windowMs);
    if (recent.length >= this.policy.maxFailures) {
      this.failures.set(email, recent);
      const waitS = Math.max(1, Math.ceil((recent[0]! + this.policy.windowMs - at) / 1000));
      throw new BunbaseError("FN_007", "Too many failed logins for this email; try again later", {
        headers: { "retry-after": String(waitS) },
        details: { retryAfterSeconds: waitS },
      });
    }
    recent.push(at);
    this.failures.delete(email); // re-inserted last: the map's order is least recently tried first
    this.failures.set(email, recent);
    if (this.failures.size > this.policy.maxEmails) this.failures.delete(this.failures.keys().next().value!);
  }

  /** The attempt `begin` counted succeeded: it is not a failure, and earlier failures are forgiven. */
  succeeded(email: string): void {
    this.failures.delete(email);
  }

  /** Forgets an email (its user was deleted or changed email). */
  forget(email: string): void {
    this.failures.delete(email);
  }
}
