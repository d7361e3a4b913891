/**
 * One schedule trigger's ticks (contract section 3): 5 cron fields, or 6 with seconds
 * first, in an IANA time zone. Parsed by cron-parser exactly as the config schema checks
 * it (bundler/src/value-checks.ts `checkCron`), so a config that validated always parses.
 */
import { CronExpressionParser, type CronExpression } from "cron-parser";

export class CronSchedule {
  private constructor(
    readonly cron: string,
    readonly timezone: string,
  ) {}

  /** Throws cron-parser's error for an expression or time zone it refuses. */
  static parse(cron: string, timezone = "UTC"): CronSchedule {
    const schedule = new CronSchedule(cron.trim(), timezone);
    schedule.at(Date.now());
    return schedule;
  }

  /** The first tick strictly after `afterMs` (epoch ms). */
  next(afterMs: number): number {
    return this.at(afterMs).next().getTime();
  }

  /** The last tick at or before `atMs`, or undefined when the expression never matched before. */
  latest(atMs: number): number | undefined {
    try {
      return this.at(atMs + 1)
        .prev()
        .getTime();
    } catch {
      return undefined; // cron-parser throws when it finds no earlier date (e.g. a past fixed year)
    }
  }

  /** How many ticks fall in (fromMs, toMs), counting at most `cap`. */
  countBetween(fromMs: number, toMs: number, cap = 10_000): number {
    const ticks = this.at(fromMs);
    let count = 0;
    while (count < cap && ticks.hasNext()) {
      if (ticks.next().getTime() >= toMs) break;
      count++;
    }
    return count;
  }

  private at(currentMs: number): CronExpression {
    return CronExpressionParser.parse(this.cron, { currentDate: new Date(currentMs), tz: this.timezone });
  }
}
