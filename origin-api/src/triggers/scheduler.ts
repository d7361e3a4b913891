/**
 * Fires schedule triggers (docs/triggers.md, "Schedules"): one timer set to the nearest
 * tick across all triggers; at the tick, a claim row and the delivery commit in one
 * transaction, so each tick fires once however many origin processes share the database.
 * Config changes apply live: the in-process revision bus announces our own, and the
 * store's revision is polled for those other processes make.
 */
import type { Logger } from "../../../core/index.ts";
import type { EventSink, PlatformEvent } from "../events/types.ts";
import type { RevisionBus } from "../services/revision-bus.ts";
import type { Store } from "../store/index.ts";
import { DEFAULT_GRACE_MS, dueTicks } from "./missed-ticks.ts";
import { currentTrigger, scheduleTriggers, type ScheduleTrigger } from "./schedule-triggers.ts";
import { TickStore } from "./tick-store.ts";

export interface SchedulerOptions {
  store: Store;
  events: EventSink;
  log: Logger;
  /** Announces this process's config changes at once (others are found by polling). */
  bus?: RevisionBus;
  /** A missed tick younger than this still fires once (default 5 min). */
  graceMs?: number;
  /** How often the store's revision is checked (default 1 s). */
  pollMs?: number;
  /** Fired ticks older than this are pruned, each trigger's latest kept (default 7 days). */
  keepTicksMs?: number;
}

/** The longest single sleep: a clock that jumps is noticed within this. */
const MAX_SLEEP_MS = 60_000;
const PRUNE_EVERY_MS = 3_600_000;

interface Armed {
  trigger: ScheduleTrigger;
  next: number;
}

export type FireOutcome = "fired" | "taken" | "gone" | "failed";

export class Scheduler {
  readonly ticks: TickStore;
  private armed = new Map<string, Armed>();
  private revision = -1;
  private timer: NodeJS.Timeout | undefined;
  private poll: NodeJS.Timeout | undefined;
  private pruner: NodeJS.Timeout | undefined;
  private running = false;
  private readonly graceMs: number;

  constructor(private readonly o: SchedulerOptions) {
    this.ticks = new TickStore(o.store.db);
    this.graceMs = o.graceMs ?? DEFAULT_GRACE_MS;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.reload(true);
    this.o.bus?.on("revision", this.onRevision);
    this.poll = setInterval(this.onRevision, this.o.pollMs ?? 1000).unref();
    this.pruner = setInterval(() => this.prune(), PRUNE_EVERY_MS).unref();
  }

  stop(): void {
    this.running = false;
    this.o.bus?.off("revision", this.onRevision);
    clearTimeout(this.timer);
    clearInterval(this.poll);
    clearInterval(this.pruner);
    this.armed.clear();
  }

  /** The next tick this process will fire for a trigger (epoch ms), when it is armed. */
  nextTick(functionId: string, triggerIndex: number): number | undefined {
    for (const a of this.armed.values()) {
      if (a.trigger.functionId === functionId && a.trigger.triggerIndex === triggerIndex) return a.next;
    }
    return undefined;
  }

  private readonly onRevision = (): void => {
    if (!this.running) return;
    try {
      if (this.o.store.functions.revision() !== this.revision) this.reload(false);
    } catch (err) {
      this.o.log.error({ err }, "scheduler could not read the configs");
    }
  };

  /** Re-reads every config; unchanged triggers keep their next tick. At start, applies the missed-tick policy. */
  private reload(resuming: boolean): void {
    this.revision = this.o.store.functions.revision();
    const now = Date.now();
    const armed = new Map<string, Armed>();
    const triggers = scheduleTriggers(this.o.store.functions.list(), (fn, index, err) =>
      this.o.log.warn({ err, function: fn.name, trigger: index }, "schedule trigger does not parse; skipped"),
    );
    for (const trigger of triggers) {
      const kept = this.armed.get(trigger.key);
      if (kept) {
        armed.set(trigger.key, kept);
        continue;
      }
      if (resuming) this.catchUp(trigger, now);
      armed.set(trigger.key, { trigger, next: trigger.schedule.next(now) });
    }
    this.armed = armed;
    this.plan();
  }

  /** Ticks missed while no scheduler ran: the latest fires once within the grace window. */
  private catchUp(trigger: ScheduleTrigger, now: number): void {
    const last = this.ticks.lastFired(trigger.functionId, trigger.triggerIndex);
    if (last === undefined) return; // never fired: nothing was missed, the trigger is new
    const due = dueTicks(trigger.schedule, last, now, this.graceMs);
    if (due.fire !== undefined) this.fire(trigger, due.fire, true);
    this.reportSkipped(trigger, due.skipped, last);
  }

  private plan(): void {
    clearTimeout(this.timer);
    if (!this.running || this.armed.size === 0) return;
    let nearest = Infinity;
    for (const a of this.armed.values()) nearest = Math.min(nearest, a.next);
    const delay = Math.min(Math.max(nearest - Date.now(), 0), MAX_SLEEP_MS);
    this.timer = setTimeout(() => this.wake(), delay).unref();
  }

  private wake(): void {
    if (!this.running) return;
    const now = Date.now();
    for (const a of this.armed.values()) {
      if (a.next > now) continue;
      // Normally exactly a.next is due; after a stall (or a clock jump) several may be.
      const due = dueTicks(a.trigger.schedule, a.next - 1, now, this.graceMs);
      if (due.fire !== undefined) this.fire(a.trigger, due.fire, false);
      this.reportSkipped(a.trigger, due.skipped, a.next - 1);
      a.next = a.trigger.schedule.next(now);
    }
    this.plan();
  }

  /** Claims the tick and queues its delivery in one transaction: only the claimer delivers. */
  fire(trigger: ScheduleTrigger, tickMs: number, catchUp: boolean): FireOutcome {
    const { functionId, triggerIndex } = trigger;
    try {
      const outcome = this.o.store.tx((): FireOutcome => {
        // The config may have changed in another process since we armed this trigger.
        const current = currentTrigger(this.o.store.functions.find(functionId), triggerIndex, trigger.key);
        if (!current) return "gone";
        if (!this.ticks.claim(functionId, triggerIndex, tickMs, catchUp)) return "taken";
        const published = this.o.events.deliver({ functionId, triggerIndex }, tickEvent(current, tickMs));
        this.ticks.recordEvent(functionId, triggerIndex, tickMs, published.eventId);
        return "fired";
      });
      if (outcome === "fired") {
        const lateMs = Date.now() - tickMs;
        this.o.log.debug({ function: trigger.functionName, trigger: triggerIndex, tickMs, lateMs, catchUp }, "tick");
      }
      return outcome;
    } catch (err) {
      this.o.log.error({ err, function: trigger.functionName, trigger: triggerIndex, tickMs }, "schedule tick failed");
      return "failed";
    }
  }

  private reportSkipped(trigger: ScheduleTrigger, skipped: number, sinceMs: number): void {
    if (skipped === 0) return;
    this.o.log.warn(
      {
        function: trigger.functionName,
        trigger: trigger.triggerIndex,
        skipped,
        since: new Date(sinceMs).toISOString(),
      },
      "missed schedule ticks skipped (older than the grace window)",
    );
  }

  private prune(): void {
    try {
      this.ticks.prune(Date.now() - (this.o.keepTicksMs ?? 7 * 86_400_000));
    } catch (err) {
      this.o.log.error({ err }, "pruning schedule ticks failed");
    }
  }
}

/** The event a tick delivers (contract 2.6: `metadata.scheduledTime`). */
export function tickEvent(trigger: ScheduleTrigger, tickMs: number): PlatformEvent {
  const scheduledTime = new Date(tickMs).toISOString();
  return {
    type: "schedule",
    source: `/schedules/${trigger.functionName}`,
    data: {},
    metadata: { scheduledTime },
    idempotencyKey: `schedule:${trigger.functionId}:${trigger.triggerIndex}:${scheduledTime}`,
  };
}
