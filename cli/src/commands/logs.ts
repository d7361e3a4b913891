import { seg } from "../api-client.ts";
import { stringFlag, type CommandSpec } from "../command.ts";
import { formatLog, type LogLine } from "../output.ts";
import { followLogs, signalOnInterrupt } from "../log-stream.ts";

export const logsCommand: CommandSpec = {
  words: ["functions", "logs"],
  args: "<name>",
  summary: "print a function's logs as `time level message`; --follow streams new ones",
  options: {
    since: { type: "string", value: "<15m|1h|ISO>", description: "from this long ago or this time" },
    until: { type: "string", value: "<ISO>", description: "up to this time" },
    level: { type: "string", value: "<debug|info|warn|error>", description: "this level and above" },
    search: { type: "string", value: "<text>", description: "only messages containing this text" },
    invocation: { type: "string", value: "<id>", description: "only this invocation's logs" },
    limit: { type: "string", value: "<n>", description: "at most this many records (default 100)" },
    follow: { type: "boolean", short: "f", description: "keep streaming new records until Ctrl-C" },
  },
  positionals: { min: 1, max: 1 },
  async run({ client, out, flags, args: [name] }) {
    const query = {
      since: stringFlag(flags, "since"),
      until: stringFlag(flags, "until"),
      level: stringFlag(flags, "level"),
      q: stringFlag(flags, "search"),
      invocationId: stringFlag(flags, "invocation"),
      limit: stringFlag(flags, "limit"),
    };
    if (flags.follow === true) {
      // --json with --follow: one JSON record per line (NDJSON), as a stream cannot be one document.
      const print = (log: LogLine) => process.stdout.write((out.json ? JSON.stringify(log) : formatLog(log)) + "\n");
      await followLogs(client(), name, { query, signal: signalOnInterrupt(), onLog: print });
      return;
    }
    const body = await client().get<{ logs: LogLine[]; nextCursor?: string | null }>(`/functions/${seg(name)}/logs`, {
      query,
    });
    // Oldest first, like a terminal tail; --json keeps the API's order and cursor.
    const chronological = [...body.logs].sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
    out.result(body, () =>
      body.logs.length === 0 ? `no logs for ${name} in this window` : chronological.map(formatLog),
    );
  },
};
