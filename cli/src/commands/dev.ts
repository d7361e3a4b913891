import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { ApiClient } from "../api-client.ts";
import { UsageError, type CommandSpec } from "../command.ts";
import { describeDeploy } from "../deploy.ts";
import { DevWatcher } from "../dev-watcher.ts";
import { findFunctionDirs } from "../local-build.ts";
import { launch, untilInterrupted, waitForEdgeSync } from "../platform-session.ts";

export const devCommand: CommandSpec = {
  words: ["functions", "dev"],
  args: "[dir]",
  summary: "local origin + edge serving the function(s) in dir, redeployed on every save, logs streamed",
  options: { verbose: { type: "boolean", description: "print every log line of both processes" } },
  positionals: { min: 0, max: 1 },
  async run({ out, flags, args: [dirArg] }) {
    const dir = resolve(dirArg ?? ".");
    if (!existsSync(dir)) throw new UsageError(`${dir} does not exist`);
    const folders = await findFunctionDirs(dir);
    if (folders.length === 0) throw new UsageError(`no function.config.(ts|js|json) in ${dir} or its subfolders`);
    const dataDir = resolve(process.env.BUNBASE_DATA_DIR ?? join(dir, ".bunbase"));
    const interrupted = untilInterrupted();
    const platform = await launch(dataDir, flags.verbose === true);
    const watcher = new DevWatcher(new ApiClient(platform.originUrl, platform.adminKey), dir, folders, {
      print: (lines) => out.print(lines),
      describe: (result) => describeDeploy(result, platform.edgeUrl),
      synced: () => waitForEdgeSync(platform),
    });
    try {
      await watcher.deployAll();
      out.print([
        "",
        `origin API  ${platform.originUrl}   (BUNBASE_API_URL=${platform.originUrl} BUNBASE_API_KEY=$(cat ${platform.adminKeyPath}))`,
        `edge        ${platform.edgeUrl}`,
        `watching ${dir} for changes; Ctrl-C to stop`,
        "",
      ]);
      watcher.watch();
      await interrupted;
    } finally {
      watcher.close();
      await platform.stop();
    }
  },
};
