import { existsSync, writeFileSync } from "node:fs";
import { basename, join, relative, resolve } from "node:path";
import { REPO_ROOT } from "../../../core/index.ts";
import { ApiClient } from "../api-client.ts";
import type { CommandSpec } from "../command.ts";
import { deployFunctionDir, describeDeploy } from "../deploy.ts";
import { findFunctionDirs } from "../local-build.ts";
import { describeError, type Output } from "../output.ts";
import { launch, untilInterrupted } from "../platform-session.ts";

const MARKER = ".examples-deployed";

export const startCommand: CommandSpec = {
  words: ["start"],
  args: "",
  summary: "run the origin API and an edge node (npm start); deploys examples/ on the first start",
  options: { verbose: { type: "boolean", description: "print every log line of both processes" } },
  positionals: { min: 0, max: 0 },
  async run({ out, flags }) {
    const dataDir = resolve(process.env.BUNBASE_DATA_DIR ?? ".bunbase");
    // Listening before the launch: a Ctrl-C while it starts still stops both children.
    const interrupted = untilInterrupted();
    // The examples are deployed before the edge starts, so its first answer already serves them.
    const edgeUrl = `http://127.0.0.1:${process.env.EDGE_PORT ?? 8787}`;
    const platform = await launch(dataDir, flags.verbose === true, async ({ originUrl, adminKey }) => {
      if (!existsSync(join(dataDir, MARKER)))
        await deployExamples(new ApiClient(originUrl, adminKey), edgeUrl, dataDir, out);
    });
    const client = new ApiClient(platform.originUrl, platform.adminKey);
    try {
      const urls = await httpUrls(client, platform.edgeUrl);
      const shortPath = relative(process.cwd(), platform.adminKeyPath);
      const keyPath = shortPath && !shortPath.startsWith("..") ? shortPath : platform.adminKeyPath;
      out.print([
        "",
        `origin API  ${platform.originUrl}`,
        `edge        ${platform.edgeUrl}`,
        `admin key   ${keyPath}  (the CLI finds it there; elsewhere: export BUNBASE_API_KEY=$(cat ${keyPath}))`,
        ...(urls.length > 0 ? ["", "try:", ...urls.map((u) => `  curl ${u}`)] : []),
        "",
        "Ctrl-C to stop",
      ]);
      await interrupted;
      out.print("stopping");
    } finally {
      await platform.stop();
    }
  },
};

/** First start only: every folder of examples/ becomes a function named after it. */
async function deployExamples(client: ApiClient, edgeUrl: string, dataDir: string, out: Output): Promise<void> {
  const dirs = await findFunctionDirs(join(REPO_ROOT, "examples"));
  let failed = 0;
  for (const dir of dirs) {
    try {
      out.print(
        describeDeploy(await deployFunctionDir(client, dir, { name: basename(dir), message: "example" }), edgeUrl),
      );
    } catch (err) {
      failed++;
      out.note(`example ${basename(dir)} not deployed:\n${describeError(err).join("\n")}`);
    }
  }
  // Retried on the next start when one failed; never again once all are in.
  if (failed === 0) writeFileSync(join(dataDir, MARKER), new Date().toISOString() + "\n");
}

async function httpUrls(client: ApiClient, edgeUrl: string): Promise<string[]> {
  const { functions } = await client.get<{ functions: { triggers?: { type: string; path?: string }[] }[] }>(
    "/functions",
  );
  return functions.flatMap((f) =>
    (f.triggers ?? []).filter((t) => t.type === "http" && t.path).map((t) => edgeUrl + t.path),
  );
}
