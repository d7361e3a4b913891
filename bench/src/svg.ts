/** A hand-written SVG chart: one panel per headline metric, a bar for ours and for each peer. */
import type { Row } from "./rows.ts";

/** Metrics (by prefix) that get a panel. */
const PANELS = [
  "new version, TTFB p50",
  "hello world throughput",
  "latency p50, c1 (no queueing)",
  "RSS per warm function",
  "1000 in flight x 100 ms: total time",
  "10 MB response body",
];

interface Bar {
  label: string;
  value: number;
  ours: boolean;
}

function esc(text: string): string {
  return text.replace(/[<>&"]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;" })[c]!);
}

function barsFor(rows: Row[], prefix: string): { title: string; bars: Bar[] } | undefined {
  const matching = rows.filter((r) => r.metric.startsWith(prefix));
  if (matching.length === 0) return undefined;
  const bars: Bar[] = [];
  const seen = new Set<string>();
  for (const r of matching) {
    const oursLabel = r.metric.match(/\((edge[^)]*)\)/)?.[1] ?? "bunbase";
    if (typeof r.ours === "number" && !seen.has(oursLabel)) {
      bars.push({ label: oursLabel, value: r.ours, ours: true });
      seen.add(oursLabel);
    }
    if (r.peer && typeof r.peerValue === "number" && !seen.has(r.peer)) {
      bars.push({ label: r.peer, value: r.peerValue, ours: r.peer.includes("edge") });
      seen.add(r.peer);
    }
  }
  if (bars.length === 0) return undefined;
  const better = matching[0].lowerIsBetter ? "lower is better" : "higher is better";
  return { title: `${prefix} (${matching[0].unit}, ${better})`, bars };
}

export function chart(rows: Row[], subtitle: string): string {
  const panels = PANELS.map((p) => barsFor(rows, p)).filter((p) => p !== undefined);
  const width = 760;
  const labelW = 190;
  const barH = 18;
  const plotW = width - labelW - 110;
  let y = 56;
  const parts: string[] = [];
  for (const panel of panels) {
    parts.push(`<text x="16" y="${y}" class="t">${esc(panel.title)}</text>`);
    y += 10;
    const max = Math.max(...panel.bars.map((b) => b.value), 1e-9);
    for (const bar of panel.bars) {
      const w = Math.max(1, (bar.value / max) * plotW);
      const value = bar.value >= 100 ? bar.value.toFixed(0) : bar.value.toPrecision(3);
      parts.push(
        `<text x="${labelW - 8}" y="${y + 13}" class="l" text-anchor="end">${esc(bar.label)}</text>`,
        `<rect x="${labelW}" y="${y}" width="${w.toFixed(1)}" height="${barH}" fill="${bar.ours ? "#2563eb" : "#9ca3af"}"/>`,
        `<text x="${(labelW + w + 6).toFixed(1)}" y="${y + 13}" class="l">${value}</text>`,
      );
      y += barH + 4;
    }
    y += 22;
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" viewBox="0 0 ${width} ${y}" font-family="sans-serif">
<style>.h{font-size:16px;font-weight:bold}.s{font-size:11px;fill:#555}.t{font-size:13px;font-weight:bold}.l{font-size:12px}</style>
<rect width="100%" height="100%" fill="#fff"/>
<text x="16" y="22" class="h">Bunbase Functions vs peers (blue: ours, grey: peers)</text>
<text x="16" y="38" class="s">${esc(subtitle)}</text>
${parts.join("\n")}
</svg>
`;
}
