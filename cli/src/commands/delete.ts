import { seg } from "../api-client.ts";
import type { CommandSpec } from "../command.ts";

export const deleteCommand: CommandSpec = {
  words: ["functions", "delete"],
  args: "<name>",
  summary: "delete a function: its routes, schedules and triggers go at once",
  options: {},
  positionals: { min: 1, max: 1 },
  async run({ client, out, args: [name] }) {
    await client().request("DELETE", `/functions/${seg(name)}`);
    out.result({ deleted: name }, () => `deleted ${name}`);
  },
};
