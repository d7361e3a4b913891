/** The printed table and the SLA lines (PASS/FAIL, never an exit code). */
import { ratio, type Row } from "./rows.ts";

export interface Sla {
  name: string;
  /** The measured figure, or why there is none. */
  value: number | string;
  unit: string;
  pass: boolean | undefined;
}

function fmt(value: number | string | undefined): string {
  if (value === undefined) return "";
  if (typeof value === "string") return value;
  if (!Number.isFinite(value)) return "n/a";
  const abs = Math.abs(value);
  const digits = abs >= 1000 ? 0 : abs >= 100 ? 1 : abs >= 10 ? 2 : 3;
  return value.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

function fmtRatio(row: Row): string {
  const r = ratio(row);
  return r === undefined ? "" : `${r.toFixed(r >= 10 ? 1 : 2)}x`;
}

export function table(rows: Row[]): string {
  const header = ["section", "metric", "unit", "ours", "peer", "peer value", "ours/peer", "note"];
  const lines = rows.map((r) => [
    r.section,
    r.metric,
    r.unit,
    fmt(r.ours),
    r.peer ?? "",
    fmt(r.peerValue),
    fmtRatio(r),
    r.note ?? "",
  ]);
  const widths = header.map((h, i) => Math.min(60, Math.max(h.length, ...lines.map((l) => l[i].length))));
  const cut = (text: string, w: number) => (text.length > w ? `${text.slice(0, w - 1)}…` : text.padEnd(w));
  const render = (cells: string[]) => `| ${cells.map((c, i) => cut(c, widths[i])).join(" | ")} |`;
  return [render(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...lines.map(render)].join("\n");
}

export function slaLines(slas: Sla[]): string {
  return slas
    .map((s) => {
      const verdict = s.pass === undefined ? "N/A " : s.pass ? "PASS" : "FAIL";
      return `${verdict}  ${s.name}: ${fmt(s.value)}${typeof s.value === "number" ? ` ${s.unit}` : ""}`;
    })
    .join("\n");
}

/** A figure of `rows` by metric prefix (and peer), if it was measured. */
export function figure(rows: Row[], metric: string, peer?: string): Row | undefined {
  return rows.find((r) => r.metric.startsWith(metric) && (peer === undefined || r.peer === peer));
}

export function check(name: string, value: number | string | undefined, unit: string, ok: (v: number) => boolean): Sla {
  if (typeof value !== "number" || !Number.isFinite(value))
    return { name, value: value ?? "not measured", unit, pass: undefined };
  return { name, value, unit, pass: ok(value) };
}

export function slas(rows: Row[]): Sla[] {
  const coldP50 = figure(rows, "new version, TTFB p50")?.ours;
  const coldP99 = figure(rows, "new version, TTFB p99")?.ours;
  const overhead = figure(rows, "overhead over raw node:http")?.ours;
  const vsWorkerd = figure(rows, "hello world throughput", "workerd");
  const fit = figure(rows, "warm functions that fit in 2 GB")?.ours;
  const python = figure(rows, "Python cold start, TTFB p50")?.ours;
  const go = figure(rows, "Go cold start, TTFB p50")?.ours;
  return [
    check("seed SLA: cold start p50 < 500 ms", coldP50, "ms", (v) => v < 500),
    check("seed SLA: cold start p99 < 500 ms", coldP99, "ms", (v) => v < 500),
    check("seed SLA: warm overhead < 50 ms", overhead, "ms", (v) => v < 50),
    check("target: warm overhead p50 <= 0.3 ms", overhead, "ms", (v) => v <= 0.3),
    check("target: cold start p50 <= 5 ms", coldP50, "ms", (v) => v <= 5),
    check("target: cold start p99 <= 20 ms", coldP99, "ms", (v) => v <= 20),
    check("target: throughput >= 1.5x workerd (hello world)", vsWorkerd && ratio(vsWorkerd), "x", (v) => v >= 1.5),
    check("target: >= 1,000 warm functions in 2 GB", fit, "functions", (v) => v >= 1000),
    check("target: Python cold start p50 <= 300 ms", python, "ms", (v) => v <= 300),
    check("target: Go cold start p50 <= 150 ms", go, "ms", (v) => v <= 150),
  ];
}
