/**
 * `npm run bench [-- --quick]`: starts our origin and edge on loopback, deploys the
 * benchmark functions through the real API, measures them beside real peers in the same
 * run, prints one table and the SLA lines, and writes bench/results/<date>.{json,svg}.
 * Exit code 0 unless the harness itself broke: the figures are never a CI gate.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { coldStart } from "./src/cold-start.ts";
import { concurrency } from "./src/concurrency.ts";
import { densityAndScaling } from "./src/density.ts";
import { loadTool } from "./src/load.ts";
import { originWorkers } from "./src/origin-workers.ts";
import { startOurPlatform, type OurPlatform } from "./src/our-platform.ts";
import { slaLines, slas, table } from "./src/report.ts";
import { errorText, type Context, type Row } from "./src/rows.ts";
import { BENCH_DIR, ensurePeers } from "./src/setup.ts";
import { chart } from "./src/svg.ts";
import { warmDispatch, warmRows, type WarmFigures } from "./src/warm-dispatch.ts";

const quick = process.argv.includes("--quick");
const started = performance.now();
const log = (line: string) => console.error(`[bench ${((performance.now() - started) / 1000).toFixed(1)}s] ${line}`);

/** Runs one section; a broken section becomes a row saying so, and the run goes on. */
async function section(rows: Row[], name: string, task: () => Promise<Row[]>): Promise<void> {
  try {
    rows.push(...(await task()));
  } catch (err) {
    log(`${name} failed: ${(err as Error).stack ?? err}`);
    rows.push({ section: name, metric: "(section failed)", unit: "", ours: errorText(err), lowerIsBetter: true });
  }
}

/** Starts our platform for `task`; a platform that cannot start becomes a row, not a crash. */
async function withPlatform(
  rows: Row[],
  env: Record<string, string>,
  task: (p: OurPlatform) => Promise<void>,
): Promise<void> {
  let p: OurPlatform;
  try {
    p = await startOurPlatform(env);
  } catch (err) {
    log(`our platform did not start: ${(err as Error).stack ?? err}`);
    rows.push({ section: "platform", metric: "start (launcher)", unit: "", ours: errorText(err), lowerIsBetter: true });
    return;
  }
  try {
    await task(p);
  } finally {
    await p.stop();
  }
}

async function main(): Promise<void> {
  const notes = ensurePeers(log);
  const workDir = mkdtempSync(join(tmpdir(), "bunbase-bench-peers-"));
  const ctx: Context = { quick, workDir, log, raw: {} };
  const rows: Row[] = [];
  const workers = availableParallelism();
  const defaultLabel = `edge, default ${process.env.BUNBASE_EDGE_WORKERS ?? workers} workers`;
  let warmAll: WarmFigures | undefined;
  let warmOne: WarmFigures | undefined;
  try {
    log(`platform with the default edge workers`);
    await withPlatform(rows, {}, async (p) => {
      await section(rows, "warm dispatch", async () => {
        warmAll = await warmDispatch(ctx, p, defaultLabel, true);
        return [];
      });
      await section(rows, "cold start", () => coldStart(ctx, p));
      await section(rows, "limits", () => concurrency(ctx, p));
      await section(rows, "origin workers", () => originWorkers(ctx, p));
    });
    log(`platform with 1 edge worker`);
    await withPlatform(rows, { BUNBASE_EDGE_WORKERS: "1" }, async (p) => {
      await section(rows, "warm dispatch", async () => {
        warmOne = await warmDispatch(ctx, p, "edge, 1 worker", false);
        return [];
      });
      await section(rows, "density", () => densityAndScaling(ctx, p));
    });
    if (warmAll) rows.splice(0, 0, ...warmRows(ctx, warmAll, warmOne));
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }

  const date = new Date().toISOString();
  const machine = {
    cores: workers,
    cpu: cpus()[0]?.model ?? "unknown",
    node: process.version,
    loadTool: loadTool(),
    mode: quick ? "quick" : "full",
  };
  const checks = slas(rows);
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `\nBunbase Functions bench (${machine.mode}) ${date}\n${machine.cores} cores (${machine.cpu}), Node ${machine.node}, load: ${machine.loadTool}\n`,
  );
  console.log(table(rows));
  console.log(`\n${slaLines(checks)}`);
  for (const note of notes) console.log(`note: ${note}`);
  console.log(`\nran in ${seconds.toFixed(0)} s`);

  const resultsDir = join(BENCH_DIR, "results");
  mkdirSync(resultsDir, { recursive: true });
  const stamp = date.replaceAll(":", "-").replace(/\.\d+Z$/, "Z");
  writeFileSync(
    join(resultsDir, `${stamp}.json`),
    JSON.stringify({ date, machine, seconds, rows, slas: checks, notes, raw: ctx.raw }, null, 2),
  );
  writeFileSync(
    join(resultsDir, `${stamp}.svg`),
    chart(rows, `${date.slice(0, 10)}, ${machine.mode} run, ${machine.cores} cores, Node ${machine.node}`),
  );
  console.log(`wrote bench/results/${stamp}.json and .svg`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`bench harness broke: ${(err as Error).stack ?? err}`);
    process.exit(1);
  },
);
