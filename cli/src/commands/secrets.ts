import { seg } from "../api-client.ts";
import { stringFlag, type CommandSpec } from "../command.ts";
import { table } from "../output.ts";
import { parseAssignment, readStdin } from "./assignments.ts";
import { envOption } from "./options.ts";

interface Secret {
  name: string;
  environment?: string;
  createdAt?: string;
  updatedAt?: string;
}

/** `NAME=VALUE`, or `NAME` alone with the value piped on stdin. */
async function nameAndValue(arg: string, usage: string): Promise<[string, string]> {
  return arg.includes("=") ? parseAssignment(arg, usage) : [arg, await readStdin()];
}

const SET_USAGE = "bunbase functions secrets set NAME=VALUE [--env prod]";

export const secretsSetCommand: CommandSpec = {
  words: ["functions", "secrets", "set"],
  args: "NAME=VALUE",
  summary: "set a project-wide secret, usable as ${secrets.NAME} in any config (NAME alone reads stdin)",
  options: { env: envOption },
  positionals: { min: 1, max: 1 },
  async run({ client, out, flags, args: [arg] }) {
    const [name, value] = await nameAndValue(arg, SET_USAGE);
    const environment = stringFlag(flags, "env");
    const body = await client().request("POST", "/secrets", {
      json: { name, value, ...(environment ? { environment } : {}) },
    });
    out.result(body ?? { name }, () => `set secret ${name}`);
  },
};

export const secretsListCommand: CommandSpec = {
  words: ["functions", "secrets", "list"],
  args: "",
  summary: "list project-wide secrets (names only)",
  options: {},
  positionals: { min: 0, max: 0 },
  async run({ client, out }) {
    const body = await client().get<{ secrets: Secret[] }>("/secrets");
    out.result(body, () =>
      body.secrets.length === 0
        ? "no secrets yet: bunbase functions secrets set NAME=VALUE"
        : table(
            ["name", "environment", "updated"],
            body.secrets.map((s) => [s.name, s.environment ?? "-", s.updatedAt ?? s.createdAt ?? ""]),
          ),
    );
  },
};

export const secretsRotateCommand: CommandSpec = {
  words: ["functions", "secrets", "rotate"],
  args: "NAME[=VALUE]",
  summary: "replace a secret's value (a random one when none is given, shown once); users pick it up live",
  options: { env: envOption },
  positionals: { min: 1, max: 1 },
  async run({ client, out, flags, args: [arg] }) {
    const [name, value] = arg.includes("=")
      ? parseAssignment(arg, "bunbase functions secrets rotate NAME[=VALUE]")
      : [arg, undefined];
    const environment = stringFlag(flags, "env");
    const body = await client().request<{ value?: string }>("POST", `/secrets/${seg(name)}/rotate`, {
      json: { ...(value !== undefined ? { value } : {}), ...(environment ? { environment } : {}) },
    });
    out.result(body, () =>
      body?.value !== undefined
        ? [`rotated secret ${name}; the new value (shown once):`, body.value]
        : `rotated secret ${name}`,
    );
  },
};

export const secretsDeleteCommand: CommandSpec = {
  words: ["functions", "secrets", "delete"],
  args: "NAME",
  summary: "delete a project-wide secret (in every environment unless --env)",
  options: { env: envOption },
  positionals: { min: 1, max: 1 },
  async run({ client, out, flags, args: [name] }) {
    await client().request("DELETE", `/secrets/${seg(name)}`, { query: { environment: stringFlag(flags, "env") } });
    out.result({ deleted: name }, () => `deleted secret ${name}`);
  },
};
