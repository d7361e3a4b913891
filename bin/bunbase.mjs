#!/usr/bin/env node
// The `bunbase` command. isolated-vm needs `--no-node-snapshot` on Node >= 20 and our
// sources are TypeScript run through tsx, so this re-executes Node with both flags.
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const entry = join(root, "cli", "main.ts");
const child = spawn(
  process.execPath,
  ["--no-node-snapshot", "--import", import.meta.resolve("tsx"), entry, ...process.argv.slice(2)],
  // The IPC channel is only there so the CLI sees us go (cli/main.ts), even killed by SIGKILL.
  { stdio: ["inherit", "inherit", "inherit", "ipc"], cwd: process.cwd(), env: { ...process.env, BUNBASE_ROOT: root } },
);
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => child.kill(signal));
}
child.on("exit", (code, signal) => {
  if (signal) process.kill(process.pid, signal);
  else process.exit(code ?? 1);
});
