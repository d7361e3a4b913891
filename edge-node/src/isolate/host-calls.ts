/**
 * Asynchronous work a guest asks the host for (fetch, crypto.subtle). A Callback cannot
 * hand a promise back across the boundary, so a call has two halves: the guest calls
 * `hostCall(key, op, args)` and gets a call id at once; when the work is done the host
 * calls the runtime's `settle(id, outcome)` through a Reference to a box the runtime
 * filled in while it loaded (nothing but the runtime's closure holds that box).
 *
 * Failures cross as `{ name, message }` and the guest builds its own error from them, so
 * no host stack or host object ever reaches the guest. Every argument is a copy, and each
 * operation validates its own. Bytes in an answer cross as exact copies (see ownBytes).
 */
import ivm from "isolated-vm";
import { createLogger } from "../../../core/index.ts";
import { HOST_CALL_GLOBALS, type HostCallOutcome } from "./protocol.ts";

const processLog = createLogger("isolate");
/** Calls in flight per instance; beyond it a call fails at once. */
const MAX_PENDING_CALLS = 1000;
const MAX_MESSAGE = 1000;

/** An error the guest should see as `name` (TypeError, or a DOMException name). */
export class HostCallError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

export interface HostCallContext {
  /** The invocation key the guest named: unchecked, operations that need one look it up. */
  key: number;
  /** Aborted when the guest aborts the call or its invocation ends. */
  signal: AbortSignal;
}

export type HostOperation = (args: unknown, call: HostCallContext) => Promise<unknown>;
/** Fire-and-forget messages (abort a fetch, forget a key): no answer. */
export type HostNotification = (id: number) => void;

interface PendingCall {
  key: number;
  controller: AbortController;
}

export class HostCalls {
  readonly #operations: ReadonlyMap<string, HostOperation>;
  readonly #notifications: ReadonlyMap<string, HostNotification>;
  readonly #pending = new Map<number, PendingCall>();
  #box: ivm.Reference | null = null;
  #settle: Promise<ivm.Reference> | null = null;
  #nextId = 1;

  /**
   * `enter` runs a call into the isolate the way the instance runs its own entries: under
   * its RunGate slot (so answers do not add running isolates beyond the node's cap) and
   * only while it is alive. Without an instance (tests of the bridge alone) it just runs.
   */
  constructor(
    operations: Record<string, HostOperation>,
    notifications: Record<string, HostNotification>,
    private readonly enter: (work: () => Promise<unknown>) => Promise<unknown> = (work) => work(),
  ) {
    this.#operations = new Map(Object.entries(operations));
    const abort: HostNotification = (id: number) => this.#abort(id);
    this.#notifications = new Map([...Object.entries(notifications), ["abort", abort]]);
  }

  /** Sets the two callbacks and the settle box; the runtime takes and deletes all three. */
  async install(context: ivm.Context): Promise<void> {
    // Issued together (isolated-vm runs them in order): the get sees the box the set made.
    const [, , , box] = await Promise.all([
      context.global.set(
        HOST_CALL_GLOBALS.call,
        new ivm.Callback((key: unknown, op: unknown, args: unknown) => this.#start(key, op, args)),
      ),
      context.global.set(
        HOST_CALL_GLOBALS.notify,
        new ivm.Callback((kind: unknown, id: unknown) => this.#notify(kind, id), { ignored: true }),
      ),
      context.global.set(HOST_CALL_GLOBALS.settleBox, new ivm.ExternalCopy({}).copyInto({ release: true })),
      context.global.get(HOST_CALL_GLOBALS.settleBox, { reference: true }),
    ]);
    this.#box = box as ivm.Reference;
  }

  /**
   * Aborts the calls invocation `key` started (fetches stop; crypto ignores the signal).
   * Their answers are still delivered: a promise another invocation shares, such as a key
   * import cached at module scope, must settle.
   */
  endInvocation(key: number): void {
    for (const call of this.#pending.values()) if (call.key === key) call.controller.abort();
  }

  /** The isolate is gone: abort everything and drop our handles into it. */
  detach(): void {
    for (const call of this.#pending.values()) call.controller.abort();
    this.#pending.clear();
    this.#box?.release();
    this.#box = null;
    this.#settle = null;
  }

  #start(key: unknown, op: unknown, args: unknown): number {
    const id = this.#nextId++;
    const operation = typeof op === "string" ? this.#operations.get(op) : undefined;
    const invocation = typeof key === "number" && Number.isSafeInteger(key) ? key : -1;
    const controller = new AbortController();
    this.#pending.set(id, { key: invocation, controller });
    const work: Promise<unknown> =
      operation === undefined
        ? Promise.reject(new HostCallError("TypeError", `unknown host operation`))
        : this.#pending.size > MAX_PENDING_CALLS
          ? Promise.reject(new HostCallError("TypeError", `more than ${MAX_PENDING_CALLS} operations in flight`))
          : Promise.resolve().then(() => operation(args, { key: invocation, signal: controller.signal }));
    work.then(
      (value) => this.#deliver(id, { ok: true, value: ownBytes(value) }),
      (error: unknown) => this.#deliver(id, describeFailure(error)),
    );
    return id;
  }

  #notify(kind: unknown, id: unknown): void {
    if (typeof kind !== "string" || typeof id !== "number" || !Number.isSafeInteger(id)) return;
    this.#notifications.get(kind)?.(id);
  }

  #abort(id: number): void {
    this.#pending.get(id)?.controller.abort();
  }

  #deliver(id: number, outcome: HostCallOutcome): void {
    if (!this.#pending.delete(id)) return;
    const box = this.#box;
    if (box === null) return;
    this.#settle ??= box.get("settle", { reference: true }) as Promise<ivm.Reference>;
    this.#settle
      .then((settle) => this.enter(() => settle.apply(undefined, [id, outcome], { arguments: { copy: true } })))
      // The isolate went away meanwhile (timeout, memory, eviction): nobody to tell.
      .catch((error: unknown) => processLog.debug({ err: error }, "host call answer not delivered"));
  }
}

/**
 * isolated-vm copies a byte view together with its whole ArrayBuffer, and a Node Buffer is
 * often a slice of a shared pool or of a socket's read: copied as it is, it would carry
 * other host memory into the guest (`value.buffer`). Views in an answer (at the top, or in
 * its plain arrays and objects) are replaced by copies of exactly their bytes.
 */
export function ownBytes(value: unknown, depth = 0): unknown {
  if (ArrayBuffer.isView(value)) {
    if (value.byteOffset === 0 && value.byteLength === value.buffer.byteLength) return value;
    const exact = value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength);
    // A Buffer becomes a plain Uint8Array; other views keep their type.
    if (value instanceof Uint8Array) return new Uint8Array(exact);
    return new (value.constructor as new (buffer: ArrayBufferLike) => ArrayBufferView)(exact);
  }
  if (depth >= 4 || typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) return value.map((item: unknown) => ownBytes(item, depth + 1));
  const prototype = Object.getPrototypeOf(value) as unknown;
  if (prototype !== Object.prototype && prototype !== null) return value;
  return Object.fromEntries(Object.entries(value).map(([name, item]) => [name, ownBytes(item, depth + 1)]));
}

const DOM_EXCEPTIONS = new Set([
  "AbortError",
  "DataError",
  "InvalidAccessError",
  "InvalidStateError",
  "NotSupportedError",
  "OperationError",
  "QuotaExceededError",
  "SyntaxError",
  "TimeoutError",
]);

/** What the guest learns about a failure: a name it knows and a message, nothing else. */
export function describeFailure(error: unknown): HostCallOutcome {
  // Node 20 names some of its webcrypto DOMExceptions "...Exception" (InvalidAccessException).
  const name = error instanceof Error ? error.name.replace(/Exception$/, "Error") : "Error";
  const message = error instanceof Error ? error.message : String(error);
  const safeName = DOM_EXCEPTIONS.has(name) || name === "RangeError" ? name : "TypeError";
  if (!(error instanceof HostCallError) && safeName === "TypeError" && name !== "TypeError") {
    processLog.debug({ err: error }, "host call failed");
  }
  return { ok: false, name: safeName, message: message.slice(0, MAX_MESSAGE) };
}
