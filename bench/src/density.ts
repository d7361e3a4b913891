/**
 * Sections 3 and 5: memory per warm function (how many fit in 2 GB) and how cold start
 * and memory grow with the number of deployed functions; workerd with N workers beside.
 */
import { join } from "node:path";
import { deployHellos, touchEach } from "./cold-start.ts";
import { helloModule } from "./handlers.ts";
import { probe } from "./http-probe.ts";
import type { OurPlatform } from "./our-platform.ts";
import { peer } from "./peers.ts";
import { childrenRunning, treeRssMb } from "./procs.ts";
import { errorText, type Context, type Row } from "./rows.ts";
import { median } from "./stats.ts";

const TWO_GB_MB = 2048;

export interface ScalePoint {
  functions: number;
  coldP50Ms: number;
  cold: number;
  failures: number;
  rssMb: number;
  processes: number;
  /** The answering worker's Node heap and external memory (Prometheus default metrics), if reported. */
  heap?: string;
}

/** Node heap statistics of the (single) edge worker, from its documented metrics endpoint. */
async function heapStats(p: OurPlatform): Promise<string | undefined> {
  const text = (await probe(`${p.edgeUrl}/__bunbase/metrics`)).body;
  const mb = (name: string) => {
    const m = new RegExp(`^\\w*${name} ([\\d.e+]+)$`, "m").exec(text);
    return m ? (Number(m[1]) / 1024 / 1024).toFixed(0) : undefined;
  };
  const used = mb("nodejs_heap_size_used_bytes");
  const external = mb("nodejs_external_memory_bytes");
  return used ? `worker heap used ${used} MB, external ${external ?? "?"} MB` : undefined;
}

/** The edge supervisor the launcher spawned for us, cross-checked against /__bunbase/health. */
async function edgeRss(p: OurPlatform): Promise<{ mb: number; processes: number }> {
  const roots = childrenRunning("edge-node/main.ts");
  if (roots.length !== 1) throw new Error(`expected one edge process among our children, found ${roots.length}`);
  const tree = treeRssMb(roots[0]);
  const health = JSON.parse((await probe(`${p.edgeUrl}/__bunbase/health`)).body) as { pid: number };
  if (!health.pid) throw new Error("edge health has no pid");
  return tree;
}

async function workerdDensity(ctx: Context, count: number): Promise<{ perFnMb: number; mb: number } | string> {
  const workerd = peer("workerd");
  const why = workerd.unavailable();
  if (why) return why;
  const rssWith = async (n: number) => {
    const modules = Array.from({ length: n }, (_, i) => helloModule(`w${i}`));
    const running = await workerd.start(join(ctx.workDir, `density-workerd-${n}`), modules);
    try {
      for (const url of running.urls) await probe(url);
      return treeRssMb(running.pid).mb;
    } finally {
      await running.stop();
    }
  };
  try {
    const one = await rssWith(1);
    const many = await rssWith(count);
    return { perFnMb: (many - one) / (count - 1), mb: many };
  } catch (err) {
    return errorText(err);
  }
}

export async function densityAndScaling(ctx: Context, p: OurPlatform): Promise<Row[]> {
  const steps = ctx.quick ? [10, 50, 100] : [10, 100, 1000];
  const base = await edgeRss(p);
  const points: ScalePoint[] = [];
  let deployed = 0;
  for (const target of steps) {
    ctx.log(`density: ${deployed} -> ${target} functions`);
    const paths = await deployHellos(p, "dense", deployed, target);
    const cold = await touchEach(p.edgeUrl, paths);
    deployed = target;
    const rss = await edgeRss(p);
    points.push({
      functions: target,
      coldP50Ms: cold.ms.length ? median(cold.ms) : Number.NaN,
      cold: cold.ms.length,
      failures: cold.failures,
      rssMb: rss.mb,
      processes: rss.processes,
      heap: await heapStats(p).catch(() => undefined),
    });
  }
  const last = points[points.length - 1];
  const perFn = (last.rssMb - base.mb) / last.functions;
  ctx.log(`density: workerd with ${last.functions} workers`);
  const wd = await workerdDensity(ctx, last.functions);
  ctx.raw.density = { baseline: base, points, workerd: wd };

  const section = "density";
  const rows: Row[] = [
    {
      section,
      metric: `RSS per warm function (${last.functions} deployed, 1 edge worker)`,
      unit: "MB",
      ours: perFn,
      peer: "workerd",
      peerValue: typeof wd === "string" ? wd : wd.perFnMb,
      lowerIsBetter: true,
      note: `edge RSS ${base.mb.toFixed(0)} -> ${last.rssMb.toFixed(0)} MB over ${base.processes} processes`,
    },
    {
      section,
      metric: "warm functions that fit in 2 GB",
      unit: "count",
      ours: Math.floor((TWO_GB_MB - base.mb) / perFn),
      peer: "workerd",
      peerValue: typeof wd === "string" ? wd : Math.floor(TWO_GB_MB / wd.perFnMb),
      lowerIsBetter: false,
      note: "(2048 MB - idle edge RSS) / RSS per function",
    },
  ];
  for (const point of points)
    rows.push(
      {
        section: "scaling",
        metric: `cold start p50 at ${point.functions} deployed`,
        unit: "ms",
        ours: Number.isNaN(point.coldP50Ms) ? `no cold sample (${point.failures} failed)` : point.coldP50Ms,
        lowerIsBetter: true,
        note: `${point.cold} cold samples${point.failures ? `, ${point.failures} failed` : ""}`,
      },
      {
        section: "scaling",
        metric: `edge RSS at ${point.functions} deployed and warm`,
        unit: "MB",
        ours: point.rssMb,
        lowerIsBetter: true,
        note: point.heap,
      },
    );
  return rows;
}
