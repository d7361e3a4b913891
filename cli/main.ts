/**
 * The `bunbase` command (contract section 6), run by bin/bunbase.mjs under tsx.
 * Exit codes: 0 ok, 1 an API or function error (its code and message printed), 2 bad usage.
 */
import { parseCommandLine } from "./src/args.ts";
import { ApiClient, resolveApiKey, resolveApiUrl } from "./src/api-client.ts";
import { UsageError, stringFlag, type GlobalFlags } from "./src/command.ts";
import { COMMANDS } from "./src/commands/index.ts";
import { commandHelp, generalHelp } from "./src/help.ts";
import { describeError, isCoded, Output } from "./src/output.ts";

export async function main(argv: string[]): Promise<number> {
  const json = argv.includes("--json");
  const out = new Output(json);
  try {
    const parsed = parseCommandLine(argv, COMMANDS);
    if (parsed.kind === "help") {
      const text = (parsed.spec ? commandHelp(parsed.spec) : generalHelp(COMMANDS, parsed.prefix)) + "\n";
      // Asking for help is not a mistake; `bunbase` alone or `bunbase functions` is (exit 2, on stderr).
      const asked = argv.includes("--help") || argv.includes("-h") || argv[0] === "help";
      (asked ? process.stdout : process.stderr).write(text);
      return asked ? 0 : 2;
    }
    const globals: GlobalFlags = {
      apiUrl: resolveApiUrl(stringFlag(parsed.flags, "api-url")),
      apiKey: resolveApiKey(stringFlag(parsed.flags, "api-key")),
      json: parsed.flags.json === true,
    };
    let client: ApiClient | undefined;
    const code = await parsed.spec.run({
      args: parsed.args,
      flags: parsed.flags,
      globals,
      out,
      client: () => (client ??= new ApiClient(globals.apiUrl, globals.apiKey)),
    });
    return code ?? 0;
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`error: ${err.message}\n${err.usage ? `usage: ${err.usage}\n` : ""}`);
      return 2;
    }
    if (isCoded(err)) out.error(err);
    else process.stderr.write(describeError(err).join("\n") + "\n");
    if (process.env.BUNBASE_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    return 1;
  }
}

// bin/bunbase.mjs starts us with an IPC channel: when it is gone, even by SIGKILL, we stop
// as on SIGTERM (`start` and `dev` then stop the platform) instead of living on.
if (process.send !== undefined) {
  process.once("disconnect", () => process.kill(process.pid, "SIGTERM"));
  process.channel?.unref();
}

process.exitCode = await main(process.argv.slice(2));
