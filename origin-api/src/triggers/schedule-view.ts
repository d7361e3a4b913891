/** `GET /functions/:id/schedule`: each schedule trigger with its next tick and the ticks fired lately. */
import type { FunctionRow } from "../store/index.ts";
import { scheduleTriggers } from "./schedule-triggers.ts";
import type { TickStore } from "./tick-store.ts";

export interface ScheduleView {
  triggerIndex: number;
  cron: string;
  timezone: string;
  nextTick: string;
  lastTick: string | null;
  /** Newest first. */
  ticks: { scheduledTime: string; firedAt: string; catchUp: boolean; eventId: string | null }[];
}

export function scheduleView(fn: FunctionRow, ticks: TickStore, limit = 20, now = Date.now()): ScheduleView[] {
  return scheduleTriggers([fn]).map(({ triggerIndex, schedule }) => {
    const recent = ticks.recent(fn.id, triggerIndex, limit);
    return {
      triggerIndex,
      cron: schedule.cron,
      timezone: schedule.timezone,
      nextTick: new Date(schedule.next(now)).toISOString(),
      lastTick: recent[0] ? new Date(recent[0].tickMs).toISOString() : null,
      ticks: recent.map((t) => ({
        scheduledTime: new Date(t.tickMs).toISOString(),
        firedAt: new Date(t.firedAtMs).toISOString(),
        catchUp: t.catchUp,
        eventId: t.eventId,
      })),
    };
  });
}
