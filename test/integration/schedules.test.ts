/**
 * Schedule triggers through the real origin process: a 6-field cron fires once per
 * second, on time, shown by `GET /functions/:id/schedule`; a second scheduler on the same
 * SQLite file (as a second origin process would run) never fires a tick the origin fired.
 */
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { after, before, test } from "node:test";
import { Store } from "../../origin-api/src/store/index.ts";
import { Scheduler, type ScheduleView } from "../../origin-api/src/triggers/index.ts";
import { quietLog, RecordingSink } from "../../origin-api/src/triggers/test-support.ts";
import { errorOf } from "../helpers/functions.ts";
import { startPlatform, type TestPlatform } from "../helpers/platform.ts";

let p: TestPlatform;
before(async () => {
  p = await startPlatform();
});
after(async () => {
  await p?.stop();
});

async function schedule(name: string): Promise<ScheduleView[]> {
  const res = await p.api(`/functions/${name}/schedule?limit=100`);
  assert.equal(res.status, 200);
  return ((await res.json()) as { schedules: ScheduleView[] }).schedules;
}

async function create(name: string, triggers: unknown[]): Promise<void> {
  const res = await p.api("/functions", { method: "POST", json: { name, runtime: "nodejs20", triggers } });
  assert.equal(res.status, 201, await res.text());
}

test("a 6-field cron fires once per second, within ~100 ms of each tick", async () => {
  await create("every-second", [
    { type: "http", path: "/every-second" },
    { type: "schedule", cron: "* * * * * *", timezone: "Europe/Berlin" },
  ]);
  await sleep(5_200);
  const [trigger] = await schedule("every-second");
  assert.equal(trigger.triggerIndex, 1);
  assert.equal(trigger.timezone, "Europe/Berlin");
  const ticks = trigger.ticks.map((t) => Date.parse(t.scheduledTime)).sort((a, b) => a - b);
  assert.ok(ticks.length >= 4 && ticks.length <= 6, `${ticks.length} ticks in 5.2 s`);
  for (let i = 1; i < ticks.length; i++)
    assert.equal(ticks[i] - ticks[i - 1], 1000, "one firing per tick, none missed");
  for (const t of trigger.ticks) {
    const lateMs = Date.parse(t.firedAt) - Date.parse(t.scheduledTime);
    assert.ok(lateMs >= 0 && lateMs < 150, `fired ${lateMs} ms after its tick`);
    assert.equal(t.catchUp, false);
  }
  assert.ok(Date.parse(trigger.nextTick) > Date.now() - 1000);
  assert.equal(trigger.lastTick, trigger.ticks[0].scheduledTime);

  // Deleting the function stops its schedule at once.
  const deleted = await p.api("/functions/every-second", { method: "DELETE" });
  assert.equal(deleted.status, 204);
  assert.equal((await errorOf(await p.api("/functions/every-second/schedule"))).code, "FN_001");
});

test("a second scheduler on the same database: each tick is fired by one of them only", async () => {
  await create("shared-tick", [{ type: "schedule", cron: "* * * * * *" }]);
  const store = Store.open(p.dataDir);
  const sink = new RecordingSink();
  const second = new Scheduler({ store, events: sink, log: quietLog, pollMs: 100 });
  try {
    second.start();
    await sleep(4_200);
    second.stop();
    const [trigger] = await schedule("shared-tick");
    const rows = new Map(trigger.ticks.map((t) => [t.scheduledTime, t.eventId]));
    assert.equal(rows.size, trigger.ticks.length);
    // Every tick the second scheduler delivered is recorded with its event: the origin's
    // claim for that tick failed, so the origin never delivered it too.
    for (const d of sink.deliveries) {
      const { scheduledTime } = d.event.metadata as { scheduledTime: string };
      assert.equal(rows.get(scheduledTime), d.eventId, `${scheduledTime} was claimed by the second scheduler`);
    }
    const secondIds = new Set(sink.deliveries.map((d) => d.event.idempotencyKey));
    assert.equal(secondIds.size, sink.deliveries.length);
    const ticks = [...rows.keys()].map(Date.parse).sort((a, b) => a - b);
    assert.ok(ticks.length >= 3 && ticks.length <= 6, `${ticks.length} ticks in ~4.5 s`);
    for (let i = 1; i < ticks.length; i++) assert.equal(ticks[i] - ticks[i - 1], 1000);
  } finally {
    second.stop();
    store.close();
  }
});
