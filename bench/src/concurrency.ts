/**
 * Section 4: 1,000 requests in flight to one function that awaits 100 ms, and 10 MB
 * request and response bodies; a fresh node process and workerd serve the same modules.
 */
import { join } from "node:path";
import { bytesModule, sleepModule } from "./handlers.ts";
import { burst, transfer, type BurstResult, type TransferResult } from "./load.ts";
import type { OurPlatform } from "./our-platform.ts";
import { peer, type PeerName } from "./peers.ts";
import { againstPeers, errorText, type Context, type Row } from "./rows.ts";

export const IN_FLIGHT = 1000;
/** 10 MB (decimal): under the platform's 10 MiB body limit. */
export const BIG_BODY = 10_000_000;

interface PeerFigures {
  burst: BurstResult | string;
  up: TransferResult | string;
  down: TransferResult | string;
}

async function onPeer(ctx: Context, name: PeerName, rounds: number): Promise<PeerFigures> {
  const p = peer(name);
  const why = p.unavailable();
  if (why) return { burst: why, up: why, down: why };
  try {
    const running = await p.start(join(ctx.workDir, `limits-${name}`), [sleepModule(100), bytesModule()]);
    try {
      return {
        burst: await burst(running.urls[0], IN_FLIGHT),
        up: await transfer(running.urls[1], "up", BIG_BODY, rounds),
        down: await transfer(running.urls[1], "down", BIG_BODY, rounds),
      };
    } finally {
      await running.stop();
    }
  } catch (err) {
    const text = errorText(err);
    return { burst: text, up: text, down: text };
  }
}

const successRate = (b: BurstResult | string) => (typeof b === "string" ? b : (100 * b.ok) / b.total);
const totalMs = (b: BurstResult | string) => (typeof b === "string" ? b : b.seconds * 1000);
const mbs = (t: TransferResult | string) => (typeof t === "string" ? t : t.ok ? t.mbPerSec : `failed: ${t.detail}`);

export async function concurrency(ctx: Context, p: OurPlatform): Promise<Row[]> {
  const rounds = ctx.quick ? 3 : 10;
  ctx.log(`limits: ${IN_FLIGHT} in flight x 100 ms, ${BIG_BODY / 1e6} MB bodies x${rounds}`);
  await p.deploy("sleep", "/sleep", { "index.ts": sleepModule(100) });
  await p.deploy("bytes", "/bytes", { "index.ts": bytesModule() }, true, ["GET", "POST"]);
  await burst(`${p.edgeUrl}/sleep`, 20); // warm the isolates: this section is about limits, not cold starts
  const ours: PeerFigures = {
    burst: await burst(`${p.edgeUrl}/sleep`, IN_FLIGHT).catch(errorText),
    up: await transfer(`${p.edgeUrl}/bytes`, "up", BIG_BODY, rounds).catch(errorText),
    down: await transfer(`${p.edgeUrl}/bytes`, "down", BIG_BODY, rounds).catch(errorText),
  };
  const peers: Record<string, PeerFigures> = {
    node: await onPeer(ctx, "node", rounds),
    workerd: await onPeer(ctx, "workerd", rounds),
  };
  ctx.raw.limits = { ours, peers };
  const section = "limits";
  const each = (f: (x: PeerFigures) => number | string) =>
    Object.fromEntries(Object.entries(peers).map(([name, figures]) => [name, f(figures)]));
  const burstNote =
    typeof ours.burst !== "string" && ours.burst.firstError ? `first failure: ${ours.burst.firstError}` : undefined;
  return [
    ...againstPeers(
      {
        section,
        metric: `${IN_FLIGHT} in flight x 100 ms: success`,
        unit: "%",
        ours: successRate(ours.burst),
        lowerIsBetter: false,
        note: burstNote,
      },
      each((x) => successRate(x.burst)),
    ),
    ...againstPeers(
      {
        section,
        metric: `${IN_FLIGHT} in flight x 100 ms: total time`,
        unit: "ms",
        ours: totalMs(ours.burst),
        lowerIsBetter: true,
      },
      each((x) => totalMs(x.burst)),
    ),
    ...againstPeers(
      { section, metric: "10 MB request body", unit: "MB/s", ours: mbs(ours.up), lowerIsBetter: false },
      each((x) => mbs(x.up)),
    ),
    ...againstPeers(
      { section, metric: "10 MB response body", unit: "MB/s", ours: mbs(ours.down), lowerIsBetter: false },
      each((x) => mbs(x.down)),
    ),
  ];
}
