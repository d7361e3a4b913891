/**
 * How `@bunbase/sdk` reaches the platform services: the capability the runtime leaves on
 * globalThis (`__bunbase_sdk`, edge-node/src/isolate/protocol.ts SDK_CALL), whose host
 * forwards each call to the origin as this invocation's function. A refusal comes back as
 * an answer and is thrown here as a BunbaseError with the contract's `code`.
 */

/** The name edge-node/src/isolate/protocol.ts gives it (a test keeps the two equal). */
export const SDK_CAPABILITY = "__bunbase_sdk";

type Answer =
  | { ok: true; value: unknown }
  | { ok: false; error: { code: string; message: string; details?: Record<string, unknown> } };

interface Capability {
  call(service: string, method: string, args: unknown): Promise<Answer>;
}

/** What every SDK method throws: match on `code` (`FN_001` not found, `FN_006` bad input naming `details.path`...). */
export class BunbaseError extends Error {
  readonly code: string;
  readonly details?: Record<string, unknown>;

  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = "BunbaseError";
    this.code = code;
    if (details !== undefined) this.details = details;
  }
}

export async function callSdk(service: string, method: string, args: Record<string, unknown>): Promise<unknown> {
  const capability = (globalThis as Record<string, unknown>)[SDK_CAPABILITY] as Capability | undefined;
  const unavailable = () =>
    new BunbaseError(
      "FN_004",
      `@bunbase/sdk ${service}.${method}(): the platform services are reachable only from a deployed function`,
    );
  if (capability === undefined) throw unavailable();
  let answer: Answer;
  try {
    answer = await capability.call(service, method, args);
  } catch (err) {
    // A host with no origin to call (bunbase dev) says so; anything else is a bug to see.
    if (err instanceof Error && err.name === "NotSupportedError") throw unavailable();
    throw err;
  }
  if (answer.ok) return answer.value;
  throw new BunbaseError(answer.error.code, answer.error.message, answer.error.details);
}

/** A value as the services will store it: JSON (Dates become strings, undefined fields go). */
export function asJson(value: unknown): unknown {
  if (value === undefined) return undefined;
  const text = JSON.stringify(value);
  return text === undefined ? undefined : (JSON.parse(text) as unknown);
}

/** Resolves false instead of throwing when the thing is not there (FN_001). */
export async function unlessMissing<T>(work: Promise<T>, missing: T): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (err instanceof BunbaseError && err.code === "FN_001") return missing;
    throw err;
  }
}
