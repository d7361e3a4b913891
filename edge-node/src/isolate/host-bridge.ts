/**
 * The host side of the few functions a guest may call: log, start/cancel a timer, get
 * random bytes. They reach the guest as ivm.Callbacks on globals that the runtime deletes
 * before user code runs. Every argument is a copy and is checked here.
 */
import { randomFillSync } from "node:crypto";
import ivm from "isolated-vm";
import { createLogger } from "../../../core/index.ts";
import { LogBudget, TRUNCATED_MESSAGE } from "./log-budget.ts";
import { BRIDGE_GLOBALS, GUEST_LOG_LEVELS, type GuestLogLevel } from "./protocol.ts";
import type { StackMapper } from "./source-map.ts";
import type { FunctionSource, LogSink } from "./types.ts";

const processLog = createLogger("isolate");
const MAX_PENDING_TIMERS = 10_000;
const MAX_TIMER_MS = 2 ** 31 - 1;
const MAX_RANDOM_BYTES = 65536;

export class HostBridge {
  readonly #source: FunctionSource;
  readonly #logSink: LogSink;
  readonly #mapper: StackMapper;
  readonly #timers = new Map<number, NodeJS.Timeout>();
  #fire: ivm.Reference<(id: number) => void> | null = null;
  #invocationId: string | null = null;
  #budget = new LogBudget();

  constructor(source: FunctionSource, logSink: LogSink, mapper: StackMapper) {
    this.#source = source;
    this.#logSink = logSink;
    this.#mapper = mapper;
  }

  /** Sets the bridge globals; the runtime script must run next and take them. */
  async install(context: ivm.Context): Promise<void> {
    const callbacks: Record<string, ivm.Callback> = {
      [BRIDGE_GLOBALS.log]: new ivm.Callback((level: unknown, message: unknown, stack: unknown) =>
        this.#guestLog(level, message, stack),
      ),
      [BRIDGE_GLOBALS.timerStart]: new ivm.Callback((id: unknown, ms: unknown) => this.#startTimer(id, ms)),
      [BRIDGE_GLOBALS.timerCancel]: new ivm.Callback((id: unknown) => this.#cancelTimer(id)),
      [BRIDGE_GLOBALS.random]: new ivm.Callback((length: unknown) => this.#random(length)),
    };
    for (const [name, callback] of Object.entries(callbacks)) await context.global.set(name, callback);
  }

  attachTimerTarget(fire: ivm.Reference<(id: number) => void>): void {
    this.#fire = fire;
  }

  startInvocation(invocationId: string): void {
    this.#invocationId = invocationId;
    this.#budget = new LogBudget();
  }

  /** Ends the invocation: its pending timers are dropped, later logs go nowhere. */
  endInvocation(): void {
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    this.#invocationId = null;
  }

  /** A log line of ours about the invocation (errors, timeouts): not counted against the budget. */
  emit(level: GuestLogLevel, message: string, fields?: Record<string, unknown>): void {
    if (this.#invocationId === null) return;
    const log = {
      level,
      message,
      invocationId: this.#invocationId,
      time: new Date().toISOString(),
      ...(fields ? { fields } : {}),
    };
    try {
      this.#logSink(log, this.#source);
    } catch (error) {
      // A failing sink is our problem, not the guest's: it must not surface inside the
      // isolate (it would carry host stack frames there) nor break the user's console.
      processLog.error({ err: error, functionId: this.#source.functionId }, "log sink failed");
    }
  }

  #guestLog(level: unknown, message: unknown, stack: unknown): void {
    if (this.#invocationId === null) return;
    const safeLevel = GUEST_LOG_LEVELS.includes(level as GuestLogLevel) ? (level as GuestLogLevel) : "info";
    const text = this.#mapper.mapText(typeof message === "string" ? message : String(message));
    const verdict = this.#budget.admit(text);
    if (verdict === "drop") return;
    if (verdict === "truncate") return this.emit("warn", TRUNCATED_MESSAGE);
    const fields = typeof stack === "string" && stack !== "" ? { stack: this.#mapper.mapText(stack) } : undefined;
    this.emit(safeLevel, text, fields);
  }

  #startTimer(id: unknown, ms: unknown): void {
    if (typeof id !== "number" || !Number.isSafeInteger(id) || this.#invocationId === null) return;
    if (this.#timers.size >= MAX_PENDING_TIMERS && !this.#timers.has(id)) return;
    const delay = typeof ms === "number" && ms > 0 ? Math.min(ms, MAX_TIMER_MS) : 0;
    clearTimeout(this.#timers.get(id));
    const timer = setTimeout(() => {
      this.#timers.delete(id);
      this.#fireTimer(id);
    }, delay);
    this.#timers.set(id, timer);
  }

  #fireTimer(id: number): void {
    const fire = this.#fire;
    if (fire === null) return;
    // The runtime's fireTimer reports a throwing callback itself; a rejection here means
    // the isolate went away meanwhile, and then its timers go with it.
    try {
      fire.apply(undefined, [id]).catch((error: unknown) => this.detach(error));
    } catch (error) {
      this.detach(error);
    }
  }

  /** The isolate is gone: forget its timers and its entry point. */
  detach(_reason?: unknown): void {
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    this.#fire?.release();
    this.#fire = null;
  }

  #cancelTimer(id: unknown): void {
    if (typeof id !== "number") return;
    clearTimeout(this.#timers.get(id));
    this.#timers.delete(id);
  }

  #random(length: unknown): Uint8Array {
    const size =
      typeof length === "number" && Number.isInteger(length) ? Math.min(Math.max(length, 0), MAX_RANDOM_BYTES) : 0;
    return randomFillSync(new Uint8Array(size));
  }
}
