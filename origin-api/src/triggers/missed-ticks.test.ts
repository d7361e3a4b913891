import { test } from "node:test";
import assert from "node:assert/strict";
import { CronSchedule } from "./cron-schedule.ts";
import { dueTicks } from "./missed-ticks.ts";

const everyMinute = CronSchedule.parse("* * * * *");
const t = (iso: string) => Date.parse(iso);
const GRACE = 5 * 60_000;

test("on time: the one due tick fires, nothing skipped", () => {
  const due = dueTicks(everyMinute, t("2024-05-01T10:00:59Z"), t("2024-05-01T10:01:00.050Z"), GRACE);
  assert.deepEqual(due, { fire: t("2024-05-01T10:01:00Z"), skipped: 0 });
});

test("down for 3 minutes: only the most recent missed tick fires, the older two are skipped", () => {
  const due = dueTicks(everyMinute, t("2024-05-01T10:00:00Z"), t("2024-05-01T10:03:20Z"), GRACE);
  assert.deepEqual(due, { fire: t("2024-05-01T10:03:00Z"), skipped: 2 });
});

test("down past the grace window: nothing fires, every missed tick is counted", () => {
  const hourly = CronSchedule.parse("0 * * * *");
  const due = dueTicks(hourly, t("2024-05-01T07:00:00Z"), t("2024-05-01T10:06:00Z"), GRACE);
  assert.deepEqual(due, { skipped: 3 });
});

test("nothing due since the last firing", () => {
  assert.deepEqual(dueTicks(everyMinute, t("2024-05-01T10:01:00Z"), t("2024-05-01T10:01:40Z"), GRACE), {
    skipped: 0,
  });
});

test("a grace window of 0 fires only a tick that is exactly now", () => {
  const now = t("2024-05-01T10:01:00Z");
  assert.deepEqual(dueTicks(everyMinute, now - 1, now, 0), { fire: now, skipped: 0 });
  assert.deepEqual(dueTicks(everyMinute, now - 1, now + 1, 0), { skipped: 1 });
});
