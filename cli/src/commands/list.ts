import type { CommandSpec } from "../command.ts";
import { table } from "../output.ts";

interface FunctionSummary {
  name: string;
  runtime: string;
  activeVersions?: Record<string, number>;
  triggers?: { type: string; path?: string }[];
  updatedAt?: string;
}

export const listCommand: CommandSpec = {
  words: ["functions", "list"],
  args: "",
  summary: "list functions with their active versions and triggers",
  options: {},
  positionals: { min: 0, max: 0 },
  async run({ client, out }) {
    const body = await client().get<{ functions: FunctionSummary[] }>("/functions");
    out.result(body, () => {
      if (body.functions.length === 0) return "no functions yet: bunbase functions deploy <name>";
      return table(
        ["name", "runtime", "prod", "staging", "triggers", "updated"],
        body.functions.map((f) => [
          f.name,
          f.runtime,
          version(f.activeVersions?.prod),
          version(f.activeVersions?.staging),
          (f.triggers ?? []).map((t) => (t.path ? `${t.type} ${t.path}` : t.type)).join(", ") || "-",
          f.updatedAt ?? "",
        ]),
      );
    });
  },
};

const version = (v: number | undefined) => (v === undefined ? "-" : `v${v}`);
