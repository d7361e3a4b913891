/**
 * The host side of the few functions a guest may call: log, start/cancel a timer, get
 * random bytes, reply to an entry, ask for request-body chunks. They reach the guest as
 * ivm.Callbacks on globals that the runtime deletes before user code runs. Every argument
 * is a copy and is checked here. All but `random` are "ignored" Callbacks: the guest does
 * not wait for the Node thread to run them (a waiting guest blocks its isolate's thread on
 * the host's event loop: one hello-world isolate went from ~4k to ~21k invocations/s when
 * `reply` stopped waiting). They still run on the host in the order the guest made them.
 * Many invocations share one bridge: each is known by a
 * numeric key the host hands out; a log line or timer naming a key that is not in flight
 * (ended, abandoned, or forged) goes nowhere.
 */
import { randomFillSync } from "node:crypto";
import ivm from "isolated-vm";
import { MAX_LOG_MESSAGE_CHARS, createLogger } from "../../../core/index.ts";
import { decodeReplies } from "./flat-wire.ts";
import { LogBudget, TRUNCATED_MESSAGE } from "./log-budget.ts";
import { HostServices, type NetworkRules } from "./host-services.ts";
import { BRIDGE_GLOBALS, GUEST_LOG_LEVELS, type GuestLogLevel } from "./protocol.ts";
import type { StackMapper } from "./source-map.ts";
import type { FunctionSource, LogSink } from "./types.ts";

const processLog = createLogger("isolate");
const MAX_PENDING_TIMERS = 10_000;
const MAX_TIMER_MS = 2 ** 31 - 1;
const MAX_RANDOM_BYTES = 65536;
const IGNORED = { ignored: true } as const;

const CUT_MARK = " [... cut: a log message is at most 65,536 characters]";

/** A message or stack the origin would refuse (and with it the whole telemetry batch) is cut. */
function cut(text: string): string {
  if (text.length <= MAX_LOG_MESSAGE_CHARS) return text;
  return text.slice(0, MAX_LOG_MESSAGE_CHARS - CUT_MARK.length) + CUT_MARK;
}

/** What the bridge forwards to the instance that owns it. */
export interface BridgeTarget {
  fireTimer(id: number): void;
  /** Runs a call into the isolate as one of the instance's entries (RunGate slot, alive check). */
  enter(work: () => Promise<unknown>): Promise<unknown>;
  reply(key: number, kind: unknown, value: unknown): void;
  bodyPull(key: number): void;
}

/** One invocation in flight, as the bridge knows it. */
export interface BridgeInvocation {
  invocationId: string;
  /** Made by its first log line (most invocations log nothing). */
  budget: LogBudget | null;
  /** Its pending timers, made by its first timer. */
  timers: Set<number> | null;
}

export class HostBridge {
  #source: FunctionSource | null = null;
  readonly #logSink: LogSink;
  #mapper: StackMapper | null = null;
  /** Guest timer id -> host timer and the key of the invocation that set it. */
  readonly #timers = new Map<number, { timer: NodeJS.Timeout; key: number }>();
  #target: BridgeTarget | null = null;
  readonly #invocations = new Map<number, BridgeInvocation>();
  /** fetch and crypto.subtle (host-services.ts). */
  readonly #services = new HostServices((work) =>
    this.#target === null ? Promise.reject(new Error("the isolate is gone")) : this.#target.enter(work),
  );

  /** Made before the function is known (pre-warmed isolates): bind() names it later. */
  constructor(logSink: LogSink) {
    this.#logSink = logSink;
  }

  bind(source: FunctionSource, mapper: StackMapper, target: BridgeTarget): void {
    this.#source = source;
    this.#mapper = mapper;
    this.#target = target;
  }

  /** Sets the bridge globals; the runtime script must run next and take them. */
  async install(context: ivm.Context): Promise<void> {
    const callbacks: Record<string, ivm.Callback> = {
      [BRIDGE_GLOBALS.log]: new ivm.Callback(
        (level: unknown, message: unknown, stack: unknown, key: unknown) => this.#guestLog(level, message, stack, key),
        IGNORED,
      ),
      [BRIDGE_GLOBALS.timerStart]: new ivm.Callback(
        (id: unknown, ms: unknown, key: unknown) => this.#startTimer(id, ms, key),
        IGNORED,
      ),
      [BRIDGE_GLOBALS.timerCancel]: new ivm.Callback((id: unknown) => this.#cancelTimer(id), IGNORED),
      [BRIDGE_GLOBALS.random]: new ivm.Callback((length: unknown) => this.#random(length)),
      [BRIDGE_GLOBALS.reply]: new ivm.Callback((replies: unknown) => this.#replies(replies), IGNORED),
      [BRIDGE_GLOBALS.bodyPull]: new ivm.Callback((key: unknown) => {
        if (this.#invocation(key) !== undefined) this.#target?.bodyPull(key as number);
      }, IGNORED),
    };
    // Issued together: isolated-vm runs an isolate's tasks in the order they were queued,
    // and one wait for all of them saves a thread round trip per global.
    await Promise.all([
      ...Object.entries(callbacks).map(([name, callback]) => context.global.set(name, callback)),
      this.#services.install(context),
    ]);
  }

  /** `network`: the function's egress rules (none: no egress); `deadline` (epoch ms): when the invocation must end. */
  startInvocation(key: number, invocationId: string, network?: NetworkRules, deadline?: number): void {
    this.#services.startInvocation(key, network, deadline);
    this.#invocations.set(key, { invocationId, budget: null, timers: null });
  }

  /** Ends the invocation: its pending timers are dropped, later logs go nowhere. */
  endInvocation(key: number): void {
    const invocation = this.#invocations.get(key);
    if (invocation === undefined) return;
    if (invocation.timers !== null) for (const id of invocation.timers) this.#cancelTimer(id);
    this.#invocations.delete(key);
    this.#services.endInvocation(key);
  }

  /** A batch of answers (flat-wire.ts), in the order the guest made them. */
  #replies(replies: unknown): void {
    decodeReplies(replies, this.#reply);
  }

  readonly #reply = (key: number, kind: unknown, value: unknown): void => {
    if (this.#invocations.has(key)) this.#target?.reply(key, kind, value);
  };

  #invocation(key: unknown): BridgeInvocation | undefined {
    return typeof key === "number" ? this.#invocations.get(key) : undefined;
  }

  /** A log line of ours about invocation `key` (errors, timeouts): not counted against the budget. */
  emit(key: number, level: GuestLogLevel, message: string, fields?: Record<string, unknown>): void {
    const invocation = this.#invocations.get(key);
    if (invocation === undefined || this.#source === null) return;
    const log = {
      level,
      message,
      invocationId: invocation.invocationId,
      time: new Date().toISOString(),
      ...(fields ? { fields } : {}),
    };
    try {
      this.#logSink(log, this.#source);
    } catch (error) {
      // A failing sink is our problem, not the guest's: it must not surface inside the
      // isolate (it would carry host stack frames there) nor break the user's console.
      processLog.error({ err: error, functionId: this.#source?.functionId }, "log sink failed");
    }
  }

  #guestLog(level: unknown, message: unknown, stack: unknown, key: unknown): void {
    const invocation = this.#invocation(key);
    const mapper = this.#mapper;
    if (invocation === undefined || mapper === null) return;
    const safeLevel = GUEST_LOG_LEVELS.includes(level as GuestLogLevel) ? (level as GuestLogLevel) : "info";
    const text = cut(mapper.mapText(typeof message === "string" ? message : String(message)));
    const verdict = (invocation.budget ??= new LogBudget()).admit(text);
    if (verdict === "drop") return;
    if (verdict === "truncate") return this.emit(key as number, "warn", TRUNCATED_MESSAGE);
    const fields = typeof stack === "string" && stack !== "" ? { stack: cut(mapper.mapText(stack)) } : undefined;
    this.emit(key as number, safeLevel, text, fields);
  }

  #startTimer(id: unknown, ms: unknown, key: unknown): void {
    const invocation = this.#invocation(key);
    if (typeof id !== "number" || !Number.isSafeInteger(id) || invocation === undefined) return;
    if (this.#timers.size >= MAX_PENDING_TIMERS && !this.#timers.has(id)) return;
    const delay = typeof ms === "number" && ms > 0 ? Math.min(ms, MAX_TIMER_MS) : 0;
    clearTimeout(this.#timers.get(id)?.timer);
    const timer = setTimeout(() => {
      this.#timers.delete(id);
      invocation.timers?.delete(id);
      this.#target?.fireTimer(id);
    }, delay);
    this.#timers.set(id, { timer, key: key as number });
    (invocation.timers ??= new Set()).add(id);
  }

  /** The isolate is gone: forget its timers and its invocations. */
  detach(_reason?: unknown): void {
    for (const { timer } of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    this.#target = null;
    this.#services.detach();
  }

  #cancelTimer(id: unknown): void {
    if (typeof id !== "number") return;
    const entry = this.#timers.get(id);
    if (entry === undefined) return;
    clearTimeout(entry.timer);
    this.#timers.delete(id);
    this.#invocations.get(entry.key)?.timers?.delete(id);
  }

  #random(length: unknown): Uint8Array {
    const size =
      typeof length === "number" && Number.isInteger(length) ? Math.min(Math.max(length, 0), MAX_RANDOM_BYTES) : 0;
    return randomFillSync(new Uint8Array(size));
  }
}
