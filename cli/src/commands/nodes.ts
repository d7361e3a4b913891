import type { CommandSpec } from "../command.ts";
import { table } from "../output.ts";

interface NodeRow {
  name: string;
  region: string;
  url: string;
  revision: number;
  behind: number;
  health: string;
  workers: number;
  lastSeen: string;
  uptimeSeconds: number;
}

export const nodesCommand: CommandSpec = {
  words: ["nodes"],
  args: "",
  summary: "list the edge nodes reporting to the origin: region, URL, config revision, health",
  options: {},
  positionals: { min: 0, max: 0 },
  async run({ client, out }) {
    const body = await client().get<{ revision: number; nodes: NodeRow[] }>("/nodes");
    out.result(body, () => {
      if (body.nodes.length === 0) return "no edge nodes have reported to this origin yet";
      const now = Date.now();
      return [
        `origin revision ${body.revision}`,
        ...table(
          ["name", "region", "url", "revision", "health", "workers", "last seen", "uptime"],
          body.nodes.map((n) => [
            n.name,
            n.region,
            n.url,
            n.behind > 0 ? `${n.revision} (${n.behind} behind)` : String(n.revision),
            n.health,
            String(n.workers),
            `${formatSeconds((now - Date.parse(n.lastSeen)) / 1000)} ago`,
            formatSeconds(n.uptimeSeconds),
          ]),
        ),
      ];
    });
  },
};

/** 42 -> `42s`, 3720 -> `1h 2m`, 90000 -> `1d 1h`. */
export function formatSeconds(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86_400)}d ${Math.floor((s % 86_400) / 3600)}h`;
}
