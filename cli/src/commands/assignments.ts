import { UsageError } from "../command.ts";

/** `KEY=VALUE` -> [KEY, VALUE]; the value may itself contain `=`. */
export function parseAssignment(arg: string, usage: string): [string, string] {
  const eq = arg.indexOf("=");
  if (eq <= 0) throw new UsageError(`expected KEY=VALUE, got ${JSON.stringify(arg)}`, usage);
  return [arg.slice(0, eq), arg.slice(eq + 1)];
}

/** Reads a value piped on stdin (a secret kept out of the shell history), without the final newline. */
export async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) throw new UsageError("no value: pass NAME=VALUE or pipe the value on stdin");
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString("utf8")
    .replace(/\r?\n$/, "");
}
