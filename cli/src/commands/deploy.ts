import { resolve } from "node:path";
import { UsageError, stringFlag, type CommandSpec } from "../command.ts";
import { defaultEdgeUrl, deployFunctionDir, describeDeploy } from "../deploy.ts";
import { FUNCTION_NAME } from "../scaffold/index.ts";
import { envOption } from "./options.ts";

export const deployCommand: CommandSpec = {
  words: ["functions", "deploy"],
  args: "<name>",
  summary: "bundle a function folder here and publish it as a new version (creates the function if needed)",
  options: {
    dir: { type: "string", value: "<dir>", description: "the function folder (default: the current folder)" },
    env: envOption,
    message: { type: "string", value: "<text>", description: "a note stored with the version" },
  },
  positionals: { min: 1, max: 1 },
  async run({ client, out, flags, args: [name] }) {
    if (!FUNCTION_NAME.test(name)) {
      throw new UsageError(
        `invalid name ${JSON.stringify(name)}: 1-63 lower-case letters, digits or -, starting with a letter`,
      );
    }
    const result = await deployFunctionDir(client(), resolve(stringFlag(flags, "dir") ?? "."), {
      name,
      environment: stringFlag(flags, "env"),
      message: stringFlag(flags, "message"),
    });
    out.result(result.deployment, () => describeDeploy(result, defaultEdgeUrl()));
    if (out.json) for (const w of result.warnings) out.note(`warning: ${w}`);
  },
};
