/** `bunbase keys list|create|delete`: the origin's API keys (admin key needed; docs/api.md#api-keys). */
import { seg } from "../api-client.ts";
import { stringFlag, UsageError, type CommandSpec } from "../command.ts";
import { table } from "../output.ts";

interface KeyRow {
  id: string;
  name: string;
  role: string;
  createdAt: string;
  lastUsed: string | null;
  key?: string;
}

const ROLES = ["admin", "deployer", "viewer", "node", "public"];

export const keysListCommand: CommandSpec = {
  words: ["keys", "list"],
  args: "",
  summary: "list the API keys (never the keys themselves): id, name, role, last use",
  options: {},
  positionals: { min: 0, max: 0 },
  async run({ client, out }) {
    const body = await client().get<{ keys: KeyRow[] }>("/keys");
    out.result(body, () =>
      table(
        ["id", "name", "role", "created", "last used"],
        body.keys.map((k) => [k.id, k.name, k.role, k.createdAt, k.lastUsed ?? "never"]),
      ),
    );
  },
};

export const keysCreateCommand: CommandSpec = {
  words: ["keys", "create"],
  args: "<name>",
  summary: "create an API key (shown once); --role public makes a key browsers may hold, for signup and login only",
  options: {
    role: { type: "string", value: "<role>", description: `${ROLES.join(" | ")} (default deployer)` },
  },
  positionals: { min: 1, max: 1 },
  async run({ client, out, flags, args: [name] }) {
    const role = stringFlag(flags, "role") ?? "deployer";
    if (!ROLES.includes(role)) throw new UsageError(`--role must be one of ${ROLES.join(", ")}`);
    const body = await client().request<KeyRow>("POST", "/keys", { json: { name, role } });
    out.result(body, () => [
      `created ${body.role} key ${body.name} (${body.id}); the key (shown once):`,
      body.key ?? "",
    ]);
  },
};

export const keysDeleteCommand: CommandSpec = {
  words: ["keys", "delete"],
  args: "<id>",
  summary: "delete an API key: it stops working at once",
  options: {},
  positionals: { min: 1, max: 1 },
  async run({ client, out, args: [id] }) {
    await client().request("DELETE", `/keys/${seg(id!)}`);
    out.result({ id, deleted: true }, () => `deleted key ${id}`);
  },
};
