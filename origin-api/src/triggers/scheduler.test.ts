import { afterEach, beforeEach, test } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { RevisionBus } from "../services/revision-bus.ts";
import { CronSchedule } from "./cron-schedule.ts";
import { Scheduler } from "./scheduler.ts";
import { openTempStore, putFunction, quietLog, RecordingSink, type TempStore } from "./test-support.ts";

const EVERY_SECOND = { type: "schedule", cron: "* * * * * *", timezone: "UTC" };

let t: TempStore;
const running: Scheduler[] = [];
beforeEach(() => (t = openTempStore()));
afterEach(() => {
  for (const s of running.splice(0)) s.stop();
  t.close();
});

function scheduler(o: Partial<ConstructorParameters<typeof Scheduler>[0]> = {}): Scheduler {
  const s = new Scheduler({ store: t.store, events: new RecordingSink(), log: quietLog, pollMs: 100, ...o });
  running.push(s);
  return s;
}

/** Sleeps until just after the next whole second, so a test window holds whole ticks. */
async function alignToSecond(offsetMs = 150): Promise<void> {
  await sleep(1000 - (Date.now() % 1000) + offsetMs);
}

test("an every-second cron fires once per tick, on time, with the contract's event", async () => {
  const id = putFunction(t.store, "tick", [{ type: "http", path: "/x" }, EVERY_SECOND]);
  const sink = new RecordingSink();
  await alignToSecond();
  const s = scheduler({ events: sink });
  s.start();
  await sleep(2_000);
  s.stop();
  assert.equal(sink.deliveries.length, 2);
  const [first, second] = sink.deliveries;
  assert.deepEqual(first.target, { functionId: id, triggerIndex: 1 });
  assert.equal(first.event.type, "schedule");
  assert.equal(first.event.source, "/schedules/tick");
  assert.deepEqual(first.event.data, {});
  const scheduled = Date.parse((first.event.metadata as { scheduledTime: string }).scheduledTime);
  assert.equal(scheduled % 1000, 0);
  assert.equal(Date.parse((second.event.metadata as { scheduledTime: string }).scheduledTime), scheduled + 1000);
  assert.equal(first.event.idempotencyKey, `schedule:${id}:1:${new Date(scheduled).toISOString()}`);
  for (const row of s.ticks.recent(id, 1, 10)) {
    assert.ok(row.firedAtMs - row.tickMs < 100, `fired ${row.firedAtMs - row.tickMs} ms late`);
    assert.equal(row.catchUp, false);
    assert.ok(row.eventId?.startsWith("evt"));
  }
});

test("two schedulers on one SQLite file (two connections) fire each tick once", async () => {
  const id = putFunction(t.store, "shared", [EVERY_SECOND]);
  const sinks = [new RecordingSink(), new RecordingSink()];
  await alignToSecond(300);
  scheduler({ events: sinks[0] }).start();
  scheduler({ store: t.reopen(), events: sinks[1] }).start();
  await sleep(3_000);
  for (const s of running) s.stop();
  const ticks = [...sinks[0].deliveries, ...sinks[1].deliveries].map(
    (d) => (d.event.metadata as { scheduledTime: string }).scheduledTime,
  );
  assert.equal(ticks.length, 3, `ticks: ${ticks.join(", ")}`);
  assert.equal(new Set(ticks).size, ticks.length);
  const rows = t.store.db.prepare("SELECT COUNT(*) AS n FROM schedule_ticks WHERE function_id = ?").get(id);
  assert.deepEqual(rows, { n: 3 });
});

test("claiming a tick: the first fire delivers, the same tick again is taken", () => {
  putFunction(t.store, "claim", [EVERY_SECOND]);
  const sinks = [new RecordingSink(), new RecordingSink()];
  const a = scheduler({ events: sinks[0] });
  const b = scheduler({ store: t.reopen(), events: sinks[1] });
  a.start();
  b.start();
  const trigger = {
    functionId: t.store.functions.find("claim")!.id,
    functionName: "claim",
    triggerIndex: 0,
    schedule: CronSchedule.parse("* * * * * *"),
    key: "",
  };
  trigger.key = `${trigger.functionId}:0:* * * * * *:UTC`;
  const tick = Date.parse("2024-05-01T10:00:00Z");
  assert.equal(a.fire(trigger, tick, false), "fired");
  assert.equal(b.fire(trigger, tick, false), "taken");
  assert.equal(sinks[0].deliveries.filter((d) => d.event.idempotencyKey?.endsWith("10:00:00.000Z")).length, 1);
  assert.equal(sinks[1].deliveries.filter((d) => d.event.idempotencyKey?.endsWith("10:00:00.000Z")).length, 0);
});

test("a delivery that throws rolls the claim back", () => {
  putFunction(t.store, "fails", [EVERY_SECOND]);
  const sink = new RecordingSink();
  sink.failWith = new Error("engine down");
  const s = scheduler({ events: sink });
  const functionId = t.store.functions.find("fails")!.id;
  const trigger = { functionId, functionName: "fails", triggerIndex: 0, schedule: CronSchedule.parse("* * * * * *") };
  const key = `${functionId}:0:* * * * * *:UTC`;
  assert.equal(s.fire({ ...trigger, key }, 1_000_000, false), "failed");
  assert.equal(s.ticks.lastFired(functionId, 0), undefined);
});

test("missed ticks at start: the latest within the grace window fires once as a catch-up", () => {
  const id = putFunction(t.store, "resume", [{ type: "schedule", cron: "* * * * *" }]);
  const latest = CronSchedule.parse("* * * * *").latest(Date.now())!;
  t.store.db
    .prepare("INSERT INTO schedule_ticks (function_id, trigger_index, tick_ms, fired_at_ms) VALUES (?, 0, ?, ?)")
    .run(id, latest - 3 * 60_000, latest - 3 * 60_000);
  const sink = new RecordingSink();
  scheduler({ events: sink }).start();
  assert.equal(sink.deliveries.length, 1);
  const scheduledTime = (sink.deliveries[0].event.metadata as { scheduledTime: string }).scheduledTime;
  assert.equal(scheduledTime, new Date(latest).toISOString());
  assert.equal(running[0].ticks.recent(id, 0, 1)[0].catchUp, true);
});

test("missed ticks older than the grace window are skipped; a trigger that never fired has nothing to catch up", () => {
  const old = putFunction(t.store, "old", [{ type: "schedule", cron: "0 0 * * *" }]);
  putFunction(t.store, "fresh", [{ type: "schedule", cron: "* * * * *" }]);
  const latest = CronSchedule.parse("0 0 * * *").latest(Date.now())!;
  t.store.db
    .prepare("INSERT INTO schedule_ticks (function_id, trigger_index, tick_ms, fired_at_ms) VALUES (?, 0, ?, ?)")
    .run(old, latest - 3 * 86_400_000, latest - 3 * 86_400_000);
  const sink = new RecordingSink();
  scheduler({ events: sink, graceMs: 1 }).start();
  assert.equal(sink.deliveries.length, 0);
});

test("config changes apply live: a trigger added starts firing, a deleted function stops", async () => {
  const bus = new RevisionBus(t.store.functions.revision());
  const sink = new RecordingSink();
  const s = scheduler({ events: sink, bus, pollMs: 60_000 });
  s.start();
  const id = putFunction(t.store, "live", [{ type: "http", path: "/live" }]);
  bus.announce(t.store.functions.revision());
  await sleep(300);
  assert.equal(sink.deliveries.length, 0);
  putFunction(t.store, "live", [EVERY_SECOND]);
  bus.announce(t.store.functions.revision());
  assert.ok(s.nextTick(id, 0) !== undefined, "armed at once");
  await sleep(1_300);
  assert.ok(sink.deliveries.length >= 1);
  t.store.tx(() => {
    t.store.functions.delete(id);
    t.store.functions.bumpRevision();
  });
  bus.announce(t.store.functions.revision());
  const before = sink.deliveries.length;
  await sleep(1_200);
  assert.equal(sink.deliveries.length, before);
  assert.equal(s.nextTick(id, 0), undefined);
});

test("another process's change is found by polling the store's revision", async () => {
  const sink = new RecordingSink();
  scheduler({ events: sink, pollMs: 50 }).start();
  const other = t.reopen();
  putFunction(other, "elsewhere", [EVERY_SECOND]);
  await sleep(1_300);
  assert.ok(sink.deliveries.length >= 1);
});
