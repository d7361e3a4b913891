/**
 * The origin dies (SIGKILL) in the middle of delivering a burst of 500 events and starts
 * again on the same data dir: every event still reaches its function at least once, none
 * is lost, each delivery ends in exactly one final state, and the SQLite file is sound.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { originApi, startFleetOrigin, type FleetOrigin } from "../helpers/fleet.ts";

const EVENTS = 500;
const dataDir = mkdtempSync(join(tmpdir(), "bunbase-crash-"));
const env = { BUNBASE_RETRY_BASE_MS: "50", BUNBASE_LEASE_MS: "1500" };
let origin: FleetOrigin | undefined;
let sink: Server | undefined;

after(async () => {
  await origin?.stop();
  await new Promise((r) => (sink ? sink.close(r) : r(undefined)));
  rmSync(dataDir, { recursive: true, force: true });
});

/** Where the function reports each event id it handled: this process outlives the origin. */
function startSink(seen: Map<string, number>): Promise<string> {
  sink = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      seen.set(body, (seen.get(body) ?? 0) + 1);
      res.end("ok");
    });
  });
  return new Promise((resolve) =>
    sink!.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${(sink!.address() as AddressInfo).port}`)),
  );
}

async function until(check: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function statusCounts(): Record<string, number> {
  const db = new Database(join(dataDir, "bunbase.db"), { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare("SELECT status, count(*) AS n FROM event_deliveries GROUP BY status").all() as {
      status: string;
      n: number;
    }[];
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  } finally {
    db.close();
  }
}

test("kill -9 of the origin mid-delivery loses no event", { timeout: 90_000 }, async () => {
  const seen = new Map<string, number>();
  const sinkUrl = await startSink(seen);
  origin = await startFleetOrigin(dataDir, 0, { env });

  const created = await originApi(origin, "/functions", {
    method: "POST",
    json: {
      name: "recorder",
      triggers: [{ type: "event", event: "burst.item" }],
      vpc: { egress: true, allowPrivateNetworks: true },
      environment: { SINK: sinkUrl },
    },
  });
  assert.equal(created.status, 201, await created.text());
  const deployed = await originApi(origin, "/functions/recorder/deploy", {
    method: "POST",
    json: {
      files: {
        "index.ts": `export async function handler(event: { id: string }) {
          await new Promise((r) => setTimeout(r, 15));
          const res = await fetch(process.env.SINK + "/seen", { method: "POST", body: event.id });
          if (!res.ok) throw new Error("sink answered " + res.status);
          return null;
        }`,
      },
    },
  });
  assert.equal(deployed.status, 201, await deployed.text());

  const ids: string[] = [];
  for (let start = 0; start < EVENTS; start += 50) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(50, EVENTS - start) }, async (_, i) => {
        const res = await originApi(origin!, "/events", {
          method: "POST",
          json: { type: "burst.item", data: { n: start + i } },
        });
        assert.equal(res.status, 202);
        const body = (await res.json()) as { id: string; deliveries: number };
        assert.equal(body.deliveries, 1);
        return body.id;
      }),
    );
    ids.push(...batch);
  }
  assert.equal(new Set(ids).size, EVENTS);

  await until(() => seen.size >= 100, "the first 100 deliveries", 30_000);
  await origin.kill();
  const atKill = seen.size;
  assert.ok(atKill < EVENTS, `all ${EVENTS} were delivered before the kill: nothing was tested`);

  origin = await startFleetOrigin(dataDir, 0, { env });
  await until(() => ids.every((id) => seen.has(id)), "every event to reach the function", 40_000);
  await until(() => statusCounts().succeeded === EVENTS, "every delivery to be recorded", 10_000);
  await origin.stop();
  origin = undefined;

  assert.deepEqual([...seen.keys()].sort(), [...ids].sort(), "only the published events, every one of them");
  const db = new Database(join(dataDir, "bunbase.db"), { readonly: true, fileMustExist: true });
  try {
    assert.equal(db.pragma("integrity_check", { simple: true }), "ok");
    const rows = db
      .prepare(
        "SELECT event_id, status, lease_owner FROM event_deliveries WHERE function_id = (SELECT id FROM functions WHERE name = 'recorder')",
      )
      .all() as { event_id: string; status: string; lease_owner: string | null }[];
    assert.equal(rows.length, EVENTS, "one delivery per event");
    assert.deepEqual([...new Set(rows.map((r) => r.event_id))].sort(), [...ids].sort());
    assert.ok(rows.every((r) => r.status === "succeeded" && r.lease_owner === null));
  } finally {
    db.close();
  }
  const redelivered = [...seen.values()].filter((n) => n > 1).length;
  console.log(`delivered ${atKill} before the kill; ${redelivered} delivered twice (at least once, as promised)`);
});
