/**
 * Section 2: warm dispatch of a hello world, through our edge vs raw node:http returning
 * the same bytes vs workerd serving the same worker, one load generator, fixed connections.
 */
import { join } from "node:path";
import { HELLO_BODY, helloModule } from "./handlers.ts";
import { loadTest, loadTool, type LoadResult } from "./load.ts";
import type { OurPlatform } from "./our-platform.ts";
import { peer, startRawNode, type RunningPeer } from "./peers.ts";
import { againstPeers, errorText, type Context, type Row } from "./rows.ts";
import { medianOf } from "./stats.ts";

export const CONNECTIONS = 50;

export interface Target {
  name: string;
  url: string;
}

/** Runs every target in turn, `runs` times (interleaved, so drift hits all alike); medians per target. */
async function measure(targets: Target[], runs: number, connections: number, seconds: number) {
  const results = new Map<string, LoadResult[]>(targets.map((t) => [t.name, []]));
  for (const t of targets) await loadTest(t.url, { connections, seconds: 1 }); // warm-up, discarded
  for (let r = 0; r < runs; r++)
    for (const t of targets) results.get(t.name)!.push(await loadTest(t.url, { connections, seconds }));
  return new Map([...results].map(([name, list]) => [name, medianOf(list as unknown as Record<string, number>[])]));
}

export async function deployHello(p: OurPlatform): Promise<string> {
  await p.deploy("hello", "/hello", { "index.ts": helloModule("hello") });
  return `${p.edgeUrl}/hello`;
}

export interface WarmFigures {
  /** At CONNECTIONS connections. */
  loaded: Map<string, Record<string, number>>;
  /** At one connection: latency without queueing, for the overhead. */
  single: Map<string, Record<string, number>>;
}

export async function warmDispatch(
  ctx: Context,
  p: OurPlatform,
  label: string,
  withPeers: boolean,
): Promise<WarmFigures> {
  const seconds = ctx.quick ? 3 : 10;
  const runs = ctx.quick ? 2 : 3;
  const targets: Target[] = [{ name: label, url: await deployHello(p) }];
  const started: RunningPeer[] = [];
  try {
    if (withPeers) {
      const raw = await startRawNode(join(ctx.workDir, "raw-node"), HELLO_BODY);
      started.push(raw);
      targets.push({ name: "raw node:http", url: raw.url });
      const workerd = peer("workerd");
      if (!workerd.unavailable()) {
        try {
          const w = await workerd.start(join(ctx.workDir, "warm-workerd"), [helloModule("hello")]);
          started.push(w);
          targets.push({ name: "workerd", url: w.url });
        } catch (err) {
          ctx.log(`workerd did not start: ${errorText(err)}`);
        }
      }
    }
    ctx.log(
      `warm dispatch (${label}): ${loadTool()} -c${CONNECTIONS} -d${seconds}s x${runs} on ${targets.length} targets`,
    );
    const loaded = await measure(targets, runs, CONNECTIONS, seconds);
    const single = await measure(targets, runs, 1, ctx.quick ? 1 : 3);
    return { loaded, single };
  } finally {
    for (const s of started) await s.stop();
  }
}

const get = (m: Map<string, Record<string, number>>, name: string, key: string) => m.get(name)?.[key];

export function warmRows(ctx: Context, all: WarmFigures, oneWorker: WarmFigures | undefined): Row[] {
  ctx.raw.warm = {
    loaded: Object.fromEntries(all.loaded),
    single: Object.fromEntries(all.single),
    oneWorker: oneWorker && {
      loaded: Object.fromEntries(oneWorker.loaded),
      single: Object.fromEntries(oneWorker.single),
    },
  };
  const section = "warm dispatch";
  const ours = [...all.loaded.keys()][0];
  const peers = [...all.loaded.keys()].slice(1);
  const peerValues = (m: Map<string, Record<string, number>>, key: string) =>
    Object.fromEntries(peers.map((name) => [name, get(m, name, key)]));
  const errors = get(all.loaded, ours, "errors") ?? 0;
  const rows: Row[] = [
    ...againstPeers(
      {
        section,
        metric: `hello world throughput (${ours}), c${CONNECTIONS}`,
        unit: "req/s",
        ours: get(all.loaded, ours, "rps") ?? "not measured",
        lowerIsBetter: false,
        note: errors ? `${errors} non-2xx/socket errors (median run)` : undefined,
      },
      peerValues(all.loaded, "rps"),
    ),
    ...againstPeers(
      {
        section,
        metric: `latency p50, c${CONNECTIONS}`,
        unit: "ms",
        ours: get(all.loaded, ours, "p50Ms") ?? "",
        lowerIsBetter: true,
      },
      peerValues(all.loaded, "p50Ms"),
    ),
    ...againstPeers(
      {
        section,
        metric: `latency p99, c${CONNECTIONS}`,
        unit: "ms",
        ours: get(all.loaded, ours, "p99Ms") ?? "",
        lowerIsBetter: true,
      },
      peerValues(all.loaded, "p99Ms"),
    ),
    ...againstPeers(
      {
        section,
        metric: "latency p50, c1 (no queueing)",
        unit: "ms",
        ours: get(all.single, ours, "p50Ms") ?? "",
        lowerIsBetter: true,
      },
      peerValues(all.single, "p50Ms"),
    ),
  ];
  const oursC1 = get(all.single, ours, "p50Ms");
  const rawC1 = get(all.single, "raw node:http", "p50Ms");
  if (oursC1 !== undefined && rawC1 !== undefined)
    rows.push({
      section,
      metric: "overhead over raw node:http, p50 c1",
      unit: "ms",
      ours: oursC1 - rawC1,
      lowerIsBetter: true,
      note: "our c1 p50 minus raw node:http's",
    });
  if (oneWorker) {
    const one = [...oneWorker.loaded.keys()][0];
    rows.push({
      section,
      metric: `hello world throughput (${one}), c${CONNECTIONS}`,
      unit: "req/s",
      ours: get(oneWorker.loaded, one, "rps") ?? "not measured",
      peer: ours,
      peerValue: get(all.loaded, ours, "rps"),
      lowerIsBetter: false,
      note: "the cost or gain of supervision + workers",
    });
    rows.push({
      section,
      metric: `latency p50, c1 (${one})`,
      unit: "ms",
      ours: get(oneWorker.single, one, "p50Ms") ?? "",
      peer: "raw node:http",
      peerValue: rawC1,
      lowerIsBetter: true,
    });
  }
  return rows;
}
