import { test } from "node:test";
import assert from "node:assert/strict";
import { CronSchedule } from "./cron-schedule.ts";

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

test("5 fields: the next minute that matches, strictly after the given time", () => {
  const s = CronSchedule.parse("*/15 * * * *");
  assert.equal(iso(s.next(at("2024-05-01T10:07:30Z"))), "2024-05-01T10:15:00.000Z");
  assert.equal(iso(s.next(at("2024-05-01T10:15:00Z"))), "2024-05-01T10:30:00.000Z");
});

test("6 fields: seconds come first", () => {
  const s = CronSchedule.parse("*/10 * * * * *");
  assert.equal(iso(s.next(at("2024-05-01T10:00:01.500Z"))), "2024-05-01T10:00:10.000Z");
  assert.equal(iso(s.next(at("2024-05-01T10:00:59.999Z"))), "2024-05-01T10:01:00.000Z");
  const every = CronSchedule.parse("* * * * * *");
  assert.equal(iso(every.next(at("2024-05-01T10:00:00.000Z"))), "2024-05-01T10:00:01.000Z");
});

test("a time zone: 09:00 in New York is 14:00Z in winter and 13:00Z in summer", () => {
  const s = CronSchedule.parse("0 9 * * *", "America/New_York");
  assert.equal(iso(s.next(at("2024-01-15T00:00:00Z"))), "2024-01-15T14:00:00.000Z");
  assert.equal(iso(s.next(at("2024-07-15T00:00:00Z"))), "2024-07-15T13:00:00.000Z");
});

test("DST in Europe/London: a skipped 01:30 fires an hour later, a repeated one fires once", () => {
  const s = CronSchedule.parse("30 1 * * *", "Europe/London");
  // 2024-03-31: clocks go 01:00 -> 02:00; 01:30 local does not exist.
  assert.equal(iso(s.next(at("2024-03-30T12:00:00Z"))), "2024-03-31T01:30:00.000Z");
  // 2024-10-27: 01:00-02:00 happens twice; only the first 01:30 (BST, 00:30Z) fires.
  const first = s.next(at("2024-10-26T12:00:00Z"));
  assert.equal(iso(first), "2024-10-27T00:30:00.000Z");
  assert.equal(iso(s.next(first)), "2024-10-28T01:30:00.000Z");
});

test("latest: the tick at or before a time; countBetween counts the open interval", () => {
  const s = CronSchedule.parse("0 * * * *");
  assert.equal(iso(s.latest(at("2024-05-01T10:00:00Z"))), "2024-05-01T10:00:00.000Z");
  assert.equal(iso(s.latest(at("2024-05-01T10:59:59Z"))), "2024-05-01T10:00:00.000Z");
  assert.equal(s.countBetween(at("2024-05-01T10:00:00Z"), at("2024-05-01T14:00:00Z")), 3);
  assert.equal(s.countBetween(at("2024-05-01T10:00:00Z"), at("2024-05-02T10:00:00Z"), 5), 5);
});

test("an expression or time zone cron-parser refuses throws at parse", () => {
  assert.throws(() => CronSchedule.parse("61 * * * *"));
  assert.throws(() => CronSchedule.parse("* * * * *", "Mars/Olympus"));
});
