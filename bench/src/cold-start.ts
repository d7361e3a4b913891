/**
 * Section 1: cold start, time to the first byte for a version never run on this node,
 * and the same for peers (spawn of a fresh process to its first response).
 */
import { join } from "node:path";
import { bigModule, helloModule } from "./handlers.ts";
import { probe } from "./http-probe.ts";
import { inBatches, type OurPlatform } from "./our-platform.ts";
import { PEERS } from "./peers.ts";
import { againstPeers, errorText, type Context, type Row } from "./rows.ts";
import { summarize, type Summary } from "./stats.ts";

export interface ColdSamples {
  /** TTFB (ms) of the requests the edge reported as cold starts and answered with 200. */
  ms: number[];
  failures: number;
  warmHits: number;
  firstError?: string;
}

/** Requests each path once, in order, on fresh connections. */
export async function touchEach(edgeUrl: string, paths: string[]): Promise<ColdSamples> {
  const out: ColdSamples = { ms: [], failures: 0, warmHits: 0 };
  for (const path of paths) {
    try {
      const res = await probe(edgeUrl + path);
      if (res.status !== 200) {
        out.failures++;
        out.firstError ??= `status ${res.status}: ${res.body.slice(0, 120)}`;
      } else if (res.headers["x-bunbase-cold-start"] === "true") out.ms.push(res.ttfbMs);
      else out.warmHits++;
    } catch (err) {
      out.failures++;
      out.firstError ??= (err as Error).message;
    }
  }
  return out;
}

/** Deploys `count` distinct hello functions named `<prefix><i>` (4 deploys in flight). */
export async function deployHellos(p: OurPlatform, prefix: string, from: number, to: number): Promise<string[]> {
  const names = Array.from({ length: to - from }, (_, i) => `${prefix}${from + i}`);
  await inBatches(names, 4, (name) => p.deploy(name, `/${name}`, { "index.ts": helloModule(name) }, false));
  await p.synced();
  return names.map((n) => `/${n}`);
}

/** Deploys a new version of one function and requests it at once, `versions` times. */
async function firstAfterDeploy(p: OurPlatform, name: string, module: (v: number) => string, versions: number) {
  const all: ColdSamples = { ms: [], failures: 0, warmHits: 0 };
  for (let v = 0; v < versions; v++) {
    await p.deploy(name, `/${name}`, { "index.ts": module(v) });
    const one = await touchEach(p.edgeUrl, [`/${name}`]);
    all.ms.push(...one.ms);
    all.failures += one.failures;
    all.warmHits += one.warmHits;
    all.firstError ??= one.firstError;
  }
  return all;
}

async function peerStarts(ctx: Context, runs: number): Promise<Record<string, Summary | string>> {
  const out: Record<string, Summary | string> = {};
  for (const peer of PEERS) {
    const why = peer.unavailable();
    if (why) {
      out[peer.name] = why;
      continue;
    }
    const samples: number[] = [];
    try {
      for (let i = 0; i < runs; i++) {
        const running = await peer.start(join(ctx.workDir, `cold-${peer.name}-${i}`), [helloModule(`run ${i}`)]);
        samples.push(running.startMs);
        await running.stop();
      }
      out[peer.name] = summarize(samples);
    } catch (err) {
      out[peer.name] = errorText(err);
    }
  }
  return out;
}

const field = (s: Summary | string, key: keyof Summary) => (typeof s === "string" ? s : s[key]);

function describe(samples: ColdSamples, requested: number): string {
  const parts = [`${samples.ms.length}/${requested} cold`];
  if (samples.warmHits) parts.push(`${samples.warmHits} not cold`);
  if (samples.failures) parts.push(`${samples.failures} failed (${samples.firstError})`);
  return parts.join(", ");
}

export function ourFigure(samples: ColdSamples, key: keyof Summary): number | string {
  if (samples.ms.length === 0)
    return samples.firstError ? `failed: ${samples.firstError.slice(0, 80)}` : "no cold sample";
  return summarize(samples.ms)[key];
}

export async function coldStart(ctx: Context, p: OurPlatform): Promise<Row[]> {
  const count = ctx.quick ? 30 : 200;
  ctx.log(`cold start: deploying ${count} distinct functions`);
  const paths = await deployHellos(p, "cold", 0, count);
  const cold = await touchEach(p.edgeUrl, paths);
  ctx.log("cold start: first request after deploy, 1 MB bundle");
  const versions = ctx.quick ? 5 : 20;
  const afterDeploy = await firstAfterDeploy(p, "fresh", (v) => helloModule(`v${v}`), versions);
  const big = await firstAfterDeploy(p, "big", (v) => bigModule(1_000_000, `v${v}`), ctx.quick ? 3 : 10);
  ctx.log("cold start: peers");
  const peers = await peerStarts(ctx, ctx.quick ? 5 : 20);
  ctx.raw.coldStart = { ours: summarize(cold.ms), cold, afterDeploy, big, peers };

  const peerFields = (key: keyof Summary) =>
    Object.fromEntries(Object.entries(peers).map(([name, s]) => [name, field(s, key)]));
  const section = "cold start";
  const rows: Row[] = [];
  for (const key of ["p50", "p95", "p99"] as const)
    rows.push(
      ...againstPeers(
        {
          section,
          metric: `new version, TTFB ${key}`,
          unit: "ms",
          ours: ourFigure(cold, key),
          lowerIsBetter: true,
          note: key === "p50" ? describe(cold, count) : undefined,
        },
        peerFields(key),
      ),
    );
  rows.push({
    section,
    metric: "first request after deploy, p50",
    unit: "ms",
    ours: ourFigure(afterDeploy, "p50"),
    lowerIsBetter: true,
    note: describe(afterDeploy, versions),
  });
  rows.push({
    section,
    metric: "1 MB bundle, first request p50",
    unit: "ms",
    ours: ourFigure(big, "p50"),
    lowerIsBetter: true,
    note: describe(big, ctx.quick ? 3 : 10),
  });
  return rows;
}
