/**
 * Turns what went wrong in an instance into the contract's errors (FN_002, FN_003,
 * FN_004, FN_008) and the matching `error` log line for the user, each logged once, to
 * the invocation `say` writes to.
 */
import { BunbaseError } from "../../../core/index.ts";
import type { GuestError, GuestLogLevel } from "./protocol.ts";
import type { StackMapper } from "./source-map.ts";

/** Writes one platform log line to one invocation. */
export type Say = (level: GuestLogLevel, message: string, fields?: Record<string, unknown>) => void;

/** isolated-vm appends the host's frames after a boundary marker: they are ours, not the user's. */
export function guestPart(stack: string): string {
  const boundary = stack.indexOf("<isolated-vm boundary>");
  if (boundary === -1) return stack;
  return stack.slice(0, stack.lastIndexOf("\n", boundary));
}

export class FailureReport {
  readonly #mapper: StackMapper;
  readonly #reported = new WeakSet<BunbaseError>();

  constructor(mapper: StackMapper) {
    this.#mapper = mapper;
  }

  /** A limit the platform enforced (timeout, memory, cold start). */
  limit(say: Say, code: "FN_002" | "FN_003" | "FN_008", message: string): BunbaseError {
    return this.#logged(say, new BunbaseError(code, message));
  }

  /** What the guest runtime reported: an uncaught exception, a bad return value, a missing export. */
  guest(say: Say, error: GuestError): BunbaseError {
    if (error.kind !== "uncaught") return this.#logged(say, new BunbaseError("FN_004", error.message));
    const frame = this.uncaught(say, error);
    const failure = new BunbaseError(
      "FN_004",
      `Uncaught ${error.name}: ${error.message}${frame === null ? "" : ` (${frame})`}`,
    );
    this.#reported.add(failure);
    return failure;
  }

  /** The `error` log of an uncaught exception, its stack mapped to the user's sources; returns the top frame. */
  uncaught(say: Say, error: GuestError, where?: string): string | null {
    const stack = this.#mapper.mapText(error.stack || `${error.name}: ${error.message}`);
    say("error", where === undefined ? error.message : `${error.message} (${where})`, { stack });
    return this.#mapper.firstFrame(stack);
  }

  /** Runs `read`; what the host refuses to pass on (forged status, headers, sizes) is logged too. */
  refusals<T>(say: Say, read: () => T): T {
    try {
      return read();
    } catch (error) {
      if (error instanceof BunbaseError && !this.#reported.has(error)) this.#logged(say, error);
      throw error;
    }
  }

  /** Logs a failure the platform decided on (e.g. a streamed body over the cap). */
  logged(say: Say, failure: BunbaseError): BunbaseError {
    return this.#reported.has(failure) ? failure : this.#logged(say, failure);
  }

  #logged(say: Say, failure: BunbaseError): BunbaseError {
    say("error", failure.message);
    this.#reported.add(failure);
    return failure;
  }
}
