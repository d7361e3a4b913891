import { seg } from "../api-client.ts";
import type { CommandSpec } from "../command.ts";
import { shortHash, table } from "../output.ts";

interface VersionRow {
  version: number;
  status: string;
  bundleHash: string;
  environment: string;
  createdAt: string;
  message?: string | null;
}

export const versionsCommand: CommandSpec = {
  words: ["functions", "versions"],
  args: "<name>",
  summary: "list a function's versions; * marks the active one per environment",
  options: {},
  positionals: { min: 1, max: 1 },
  async run({ client, out, args: [name] }) {
    const api = client();
    const body = await api.get<{ versions: VersionRow[] }>(`/functions/${seg(name)}/versions`);
    if (out.json) return out.result(body, () => "");
    const fn = await api.get<{ activeVersions?: Record<string, number> }>(`/functions/${seg(name)}`);
    const activeIn = (v: number) =>
      Object.entries(fn.activeVersions ?? {})
        .filter(([, active]) => active === v)
        .map(([env]) => `*${env}`)
        .join(" ");
    out.result(body, () =>
      table(
        ["version", "active", "status", "hash", "created", "message"],
        [...body.versions]
          .sort((a, b) => b.version - a.version)
          .map((v) => [
            `v${v.version}`,
            activeIn(v.version),
            v.status,
            shortHash(v.bundleHash),
            v.createdAt,
            v.message ?? "",
          ]),
      ),
    );
  },
};
