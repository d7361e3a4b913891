/**
 * Turns what went wrong in an instance into the contract's errors (FN_002, FN_003,
 * FN_004, FN_008) and the matching `error` log line for the user, each logged once.
 */
import { BunbaseError } from "../../../core/index.ts";
import type { HostBridge } from "./host-bridge.ts";
import type { GuestError } from "./protocol.ts";
import type { StackMapper } from "./source-map.ts";

/** isolated-vm appends the host's frames after a boundary marker: they are ours, not the user's. */
export function guestPart(stack: string): string {
  const boundary = stack.indexOf("<isolated-vm boundary>");
  if (boundary === -1) return stack;
  return stack.slice(0, stack.lastIndexOf("\n", boundary));
}

export class FailureReport {
  readonly #bridge: HostBridge;
  readonly #mapper: StackMapper;
  readonly #reported = new WeakSet<BunbaseError>();

  constructor(bridge: HostBridge, mapper: StackMapper) {
    this.#bridge = bridge;
    this.#mapper = mapper;
  }

  /** A limit the platform enforced (timeout, memory, cold start). */
  limit(code: "FN_002" | "FN_003" | "FN_008", message: string): BunbaseError {
    return this.#logged(new BunbaseError(code, message));
  }

  /** What the guest runtime reported: an uncaught exception, a bad return value, a missing export. */
  guest(error: GuestError): BunbaseError {
    if (error.kind !== "uncaught") return this.#logged(new BunbaseError("FN_004", error.message));
    const frame = this.uncaught(error);
    const failure = new BunbaseError(
      "FN_004",
      `Uncaught ${error.name}: ${error.message}${frame === null ? "" : ` (${frame})`}`,
    );
    this.#reported.add(failure);
    return failure;
  }

  /** The `error` log of an uncaught exception, its stack mapped to the user's sources; returns the top frame. */
  uncaught(error: GuestError, where?: string): string | null {
    const stack = this.#mapper.mapText(error.stack || `${error.name}: ${error.message}`);
    this.#bridge.emit("error", where === undefined ? error.message : `${error.message} (${where})`, { stack });
    return this.#mapper.firstFrame(stack);
  }

  /** Runs `read`; what the host refuses to pass on (forged status, headers, sizes) is logged too. */
  refusals<T>(read: () => T): T {
    try {
      return read();
    } catch (error) {
      if (error instanceof BunbaseError && !this.#reported.has(error)) this.#logged(error);
      throw error;
    }
  }

  #logged(failure: BunbaseError): BunbaseError {
    this.#bridge.emit("error", failure.message);
    this.#reported.add(failure);
    return failure;
  }
}
