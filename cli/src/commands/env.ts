import { seg } from "../api-client.ts";
import { stringFlag, type CommandSpec } from "../command.ts";
import { table } from "../output.ts";
import { parseAssignment } from "./assignments.ts";
import { envOption } from "./options.ts";

interface Variable {
  key: string;
  value?: string;
  secret: boolean;
  environment: string;
  updatedAt: string;
}

const SET_USAGE = "bunbase functions env set <name> KEY=VALUE... [--secret] [--env prod]";

export const envSetCommand: CommandSpec = {
  words: ["functions", "env", "set"],
  args: "<name> KEY=VALUE...",
  summary: "set environment variables of a function (applies live to active versions)",
  options: {
    secret: { type: "boolean", description: "store encrypted; the value never appears in any output" },
    env: envOption,
  },
  positionals: { min: 2, max: Infinity },
  async run({ client, out, flags, args: [name, ...assignments] }) {
    const pairs = assignments.map((a) => parseAssignment(a, SET_USAGE));
    const secret = flags.secret === true;
    const environment = stringFlag(flags, "env");
    const results: unknown[] = [];
    for (const [key, value] of pairs) {
      results.push(
        await client().request("POST", `/functions/${seg(name)}/env`, {
          json: { key, value, secret, ...(environment ? { environment } : {}) },
        }),
      );
    }
    out.result(results.length === 1 ? results[0] : results, () =>
      pairs.map(([key]) => `set ${key} on ${name} (${environment ?? "prod"}${secret ? ", secret" : ""})`),
    );
  },
};

export const envListCommand: CommandSpec = {
  words: ["functions", "env", "list"],
  args: "<name>",
  summary: "list a function's variables (secret values are never shown)",
  options: { env: envOption },
  positionals: { min: 1, max: 1 },
  async run({ client, out, flags, args: [name] }) {
    const environment = stringFlag(flags, "env");
    const body = await client().get<{ variables: Variable[] }>(`/functions/${seg(name)}/env`, {
      query: { environment },
    });
    const variables = environment ? body.variables.filter((v) => v.environment === environment) : body.variables;
    out.result({ variables }, () =>
      variables.length === 0
        ? `no variables on ${name}`
        : table(
            ["key", "value", "environment", "updated"],
            variables.map((v) => [v.key, v.secret ? "(secret)" : (v.value ?? ""), v.environment, v.updatedAt]),
          ),
    );
  },
};

export const envUnsetCommand: CommandSpec = {
  words: ["functions", "env", "unset"],
  args: "<name> KEY",
  summary: "remove a variable from a function",
  options: { env: envOption },
  positionals: { min: 2, max: 2 },
  async run({ client, out, flags, args: [name, key] }) {
    const environment = stringFlag(flags, "env");
    await client().request("DELETE", `/functions/${seg(name)}/env/${seg(key)}`, { query: { environment } });
    out.result(
      { unset: key, environment: environment ?? "prod" },
      () => `unset ${key} on ${name} (${environment ?? "prod"})`,
    );
  },
};
