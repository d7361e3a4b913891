/**
 * Section: origin workers. Python and Go functions deployed through the API and called
 * through the edge (edge -> origin -> runner -> runc container): cold start (the first
 * request after each deploy, so every sample starts a new container) and warm latency
 * (sequential requests on one connection). The peer is the same program (the same built
 * artifact and shim) started as a plain process on the host: spawn to first response, and
 * the same sequential requests sent to it directly.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseFunctionConfig, type FunctionConfig } from "../../bundler/index.ts";
import { buildArtifact, launchSpec, startPlainProcess } from "../../origin-api/src/workers/runtimes/index.ts";
import { firstResponse, probe } from "./http-probe.ts";
import { freePort } from "./peers.ts";
import type { OurPlatform } from "./our-platform.ts";
import { errorText, type Context, type Row } from "./rows.ts";
import { summarize } from "./stats.ts";

interface Program {
  lang: "Python" | "Go";
  config: Record<string, unknown>;
  files: (version: number) => Record<string, string>;
}

const PROGRAMS: Program[] = [
  {
    lang: "Python",
    config: { runtime: "python3.11", handler: "main.handler" },
    files: (v) => ({ "main.py": `# version ${v}\ndef handler(request):\n    return "hello from python"\n` }),
  },
  {
    lang: "Go",
    config: { runtime: "go1.x", handler: "Handler" },
    files: (v) => ({
      "go.mod": "module example.com/bench\n\ngo 1.22\n",
      "hello.go": `package bench // version ${v}\n\nimport "net/http"\n\nfunc Handler(w http.ResponseWriter, r *http.Request) { w.Write([]byte("hello from go")) }\n`,
    }),
  },
];

export async function originWorkers(ctx: Context, p: OurPlatform): Promise<Row[]> {
  const rows: Row[] = [];
  for (const program of PROGRAMS) {
    try {
      rows.push(...(await measure(ctx, p, program)));
    } catch (err) {
      ctx.log(`origin workers, ${program.lang}: ${(err as Error).stack ?? err}`);
      rows.push({
        section: "origin workers",
        metric: `${program.lang} cold start, TTFB p50`,
        unit: "ms",
        ours: errorText(err),
        lowerIsBetter: true,
      });
    }
  }
  return rows;
}

async function measure(ctx: Context, p: OurPlatform, program: Program): Promise<Row[]> {
  const coldRuns = ctx.quick ? 5 : 15;
  const warmRequests = ctx.quick ? 200 : 1000;
  const name = `bench-${program.lang.toLowerCase()}`;
  const path = `/${name}`;
  ctx.log(`origin workers: ${program.lang}, ${coldRuns} deploys + first requests`);
  const cold: number[] = [];
  for (let v = 0; v < coldRuns; v++) {
    await p.deploy(name, path, program.files(v), true, undefined, program.config);
    const res = await probe(p.edgeUrl + path);
    if (res.status !== 200) throw new Error(`status ${res.status}: ${res.body.slice(0, 160)}`);
    if (res.headers["x-bunbase-cold-start"] !== "true") throw new Error("the first request after a deploy was warm");
    cold.push(res.ttfbMs);
  }
  const warm = await sequential(p.edgeUrl + path, warmRequests);
  const plain = await plainProcess(ctx, program, coldRuns, warmRequests);
  const c = summarize(cold);
  const w = summarize(warm);
  const peer = `${program.lang} plain process`;
  ctx.raw[`origin-${program.lang}`] = { cold, warmP50: w.p50, plain };
  const target = program.lang === "Python" ? 300 : 150;
  return [
    {
      section: "origin workers",
      metric: `${program.lang} cold start, TTFB p50`,
      unit: "ms",
      ours: c.p50,
      peer,
      peerValue: plain.coldP50,
      lowerIsBetter: true,
      note: `deploy then first request through the edge, ${coldRuns} versions; target <= ${target} ms; peer: spawn to first response`,
    },
    {
      section: "origin workers",
      metric: `${program.lang} cold start, TTFB max`,
      unit: "ms",
      ours: c.max,
      peer,
      peerValue: plain.coldMax,
      lowerIsBetter: true,
    },
    {
      section: "origin workers",
      metric: `${program.lang} warm latency p50`,
      unit: "ms",
      ours: w.p50,
      peer,
      peerValue: plain.warmP50,
      lowerIsBetter: true,
      note: `${warmRequests} sequential requests; ours through edge and origin into the container`,
    },
  ];
}

/** The same artifact the origin builds, run by the same shim as a plain host process. */
async function plainProcess(ctx: Context, program: Program, runs: number, requests: number) {
  const dir = mkdtempSync(join(ctx.workDir, `plain-${program.lang}-`));
  try {
    const src = join(dir, "src");
    const code = join(dir, "code");
    mkdirSync(src, { recursive: true });
    for (const [file, text] of Object.entries(program.files(0))) writeFileSync(join(src, file), text);
    const config: FunctionConfig = parseFunctionConfig({ name: "plain", ...program.config });
    await buildArtifact({ runtime: config.runtime, srcDir: src, outDir: code, config });
    const spec = launchSpec({ runtime: config.runtime, codeDir: code });
    const cold: number[] = [];
    let warm: number[] = [];
    for (let run = 0; run < runs; run++) {
      const port = await freePort();
      const since = performance.now();
      const proc = startPlainProcess(spec, port);
      let alive = true;
      proc.child.once("exit", () => (alive = false));
      try {
        cold.push(await firstResponse(`http://127.0.0.1:${port}/`, since, 10_000, () => alive));
        if (run === runs - 1) warm = await sequential(`http://127.0.0.1:${port}/`, requests);
      } finally {
        await proc.stop();
      }
    }
    const c = summarize(cold);
    return { coldP50: c.p50, coldMax: c.max, warmP50: summarize(warm).p50 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function sequential(url: string, count: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    const res = await fetch(url);
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`status ${res.status}`);
    out.push(performance.now() - started);
  }
  return out;
}
