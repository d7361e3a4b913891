/**
 * What happens to ticks that passed while no scheduler could fire them (the origin was
 * down, the machine slept, the event loop stalled): at most one catch-up firing per
 * trigger, for the most recent missed tick, and only while it is younger than the grace
 * window. Older ticks are skipped and counted, never replayed one by one (docs/triggers.md,
 * "Missed ticks").
 */
import type { CronSchedule } from "./cron-schedule.ts";

/** Default grace window: a tick up to 5 minutes late still fires. */
export const DEFAULT_GRACE_MS = 5 * 60_000;

export interface DueTicks {
  /** The tick to fire now, if any. */
  fire?: number;
  /** Ticks in the window that will never fire (counted up to a cap). */
  skipped: number;
}

/**
 * The ticks due in (sinceMs, nowMs]: the latest fires when `nowMs - latest <= graceMs`,
 * every other one is skipped.
 */
export function dueTicks(schedule: CronSchedule, sinceMs: number, nowMs: number, graceMs: number): DueTicks {
  const latest = schedule.latest(nowMs);
  if (latest === undefined || latest <= sinceMs) return { skipped: 0 };
  const earlier = schedule.countBetween(sinceMs, latest);
  if (nowMs - latest <= graceMs) return { fire: latest, skipped: earlier };
  return { skipped: earlier + 1 };
}
