import { seg } from "../api-client.ts";
import { UsageError, stringFlag, type CommandSpec } from "../command.ts";
import { envOption } from "./options.ts";

export const rollbackCommand: CommandSpec = {
  words: ["functions", "rollback"],
  args: "<name>",
  summary: "switch the active version back (default: the one active before the current)",
  options: {
    to: { type: "string", value: "<n>", description: "the version to make active" },
    env: envOption,
  },
  positionals: { min: 1, max: 1 },
  async run({ client, out, flags, args: [name] }) {
    const to = stringFlag(flags, "to");
    const version = to === undefined ? undefined : Number(to.replace(/^v/, ""));
    if (version !== undefined && !(Number.isInteger(version) && version > 0)) {
      throw new UsageError(
        `--to must be a version number, got ${JSON.stringify(to)}`,
        "bunbase functions rollback <name> [--to n]",
      );
    }
    const environment = stringFlag(flags, "env");
    const fn = await client().request<{ activeVersions?: Record<string, number> }>(
      "POST",
      `/functions/${seg(name)}/rollback`,
      {
        json: { ...(version !== undefined ? { version } : {}), ...(environment ? { environment } : {}) },
      },
    );
    const env = environment ?? "prod";
    out.result(fn, () => `rolled back ${name} (${env}) to v${fn.activeVersions?.[env] ?? "?"}`);
  },
};
