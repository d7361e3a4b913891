/** The schedule triggers of the functions' live configs, parsed once per config revision. */
import type { FunctionRow } from "../store/index.ts";
import { CronSchedule } from "./cron-schedule.ts";

export interface ScheduleTrigger {
  functionId: string;
  functionName: string;
  triggerIndex: number;
  schedule: CronSchedule;
  /** Changes when the trigger's function, position, cron or time zone does. */
  key: string;
}

interface RawSchedule {
  type?: unknown;
  cron?: unknown;
  timezone?: unknown;
}

/** Every schedule trigger of `functions`; `onInvalid` hears of one that does not parse (never stored by the API). */
export function scheduleTriggers(
  functions: FunctionRow[],
  onInvalid: (fn: FunctionRow, index: number, err: Error) => void = () => {},
): ScheduleTrigger[] {
  const out: ScheduleTrigger[] = [];
  for (const fn of functions) {
    for (const [index, trigger] of triggersOf(fn).entries()) {
      const t = trigger as RawSchedule;
      if (t?.type !== "schedule" || typeof t.cron !== "string") continue;
      const timezone = typeof t.timezone === "string" ? t.timezone : "UTC";
      try {
        const schedule = CronSchedule.parse(t.cron, timezone);
        const key = `${fn.id}:${index}:${schedule.cron}:${timezone}`;
        out.push({ functionId: fn.id, functionName: fn.name, triggerIndex: index, schedule, key });
      } catch (err) {
        onInvalid(fn, index, err as Error);
      }
    }
  }
  return out;
}

/** The schedule trigger at `index` of `fn`, when it is still the one `key` names. */
export function currentTrigger(fn: FunctionRow | undefined, index: number, key: string): ScheduleTrigger | undefined {
  if (!fn) return undefined;
  return scheduleTriggers([fn]).find((t) => t.triggerIndex === index && t.key === key);
}

function triggersOf(fn: FunctionRow): unknown[] {
  const triggers = fn.config.triggers;
  return Array.isArray(triggers) ? triggers : [];
}
