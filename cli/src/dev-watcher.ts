/**
 * The loop of `functions dev`: deploy each function folder, redeploy a folder ~150 ms
 * after its last change (one deploy at a time per folder), and stream each function's
 * logs. A failed build prints its diagnostics; the last good version keeps serving.
 */
import { join, relative } from "node:path";
import type { ApiClient } from "./api-client.ts";
import { deployFunctionDir, type DeployResult } from "./deploy.ts";
import { loadConfig } from "./local-build.ts";
import { followLogs } from "./log-stream.ts";
import { describeError, formatLog } from "./output.ts";
import { watchTree, type TreeWatcher } from "./watch-tree.ts";

const DEBOUNCE_MS = 150;

export interface DevWatcherIo {
  print(lines: string[]): void;
  describe(result: DeployResult): string[];
  /** Resolves when the edge serves what was just deployed (false: it did not in time). */
  synced(): Promise<boolean>;
}

interface FolderState {
  dir: string;
  name?: string;
  timer?: NodeJS.Timeout;
  running: boolean;
  again: boolean;
  following: boolean;
}

/** True for paths a save should not redeploy for: dependencies, our data dir, dotfiles. */
export function isIgnoredPath(path: string): boolean {
  return path.split(/[\\/]/).some((part) => part === "node_modules" || part.startsWith("."));
}

export class DevWatcher {
  private readonly folders: FolderState[];
  private readonly aborter = new AbortController();
  private watcher?: TreeWatcher;

  constructor(
    private readonly client: ApiClient,
    private readonly root: string,
    dirs: string[],
    private readonly io: DevWatcherIo,
  ) {
    this.folders = dirs.map((dir) => ({ dir, running: false, again: false, following: false }));
  }

  async deployAll(): Promise<void> {
    for (const folder of this.folders) await this.deploy(folder, true);
  }

  watch(): void {
    this.watcher = watchTree(this.root, isIgnoredPath, (relPath) => {
      const folder = this.folderOf(relPath);
      if (!folder) return;
      clearTimeout(folder.timer);
      folder.timer = setTimeout(() => void this.deploy(folder, false), DEBOUNCE_MS);
    });
  }

  close(): void {
    this.watcher?.close();
    this.aborter.abort();
    for (const f of this.folders) clearTimeout(f.timer);
  }

  private folderOf(relPath: string): FolderState | undefined {
    const path = join(this.root, relPath);
    return this.folders.find((f) => f.dir === this.root || !relative(f.dir, path).startsWith(".."));
  }

  private async deploy(folder: FolderState, first: boolean): Promise<void> {
    if (folder.running) {
      folder.again = true;
      return;
    }
    folder.running = true;
    const started = performance.now();
    try {
      folder.name ??= (await loadConfig(folder.dir)).config.name;
      const result = await deployFunctionDir(this.client, folder.dir, { name: folder.name!, message: "functions dev" });
      if (!(await this.io.synced()))
        this.io.print([`warning: the edge has not picked up ${result.name} v${result.deployment.version} yet`]);
      const ms = Math.round(performance.now() - started);
      this.io.print(
        first ? this.io.describe(result) : [`reloaded ${result.name} v${result.deployment.version} in ${ms} ms`],
      );
      this.follow(folder);
    } catch (err) {
      const label = folder.name ?? relative(this.root, folder.dir);
      this.io.print([
        `${label}: not deployed${first ? "" : " (the last good version keeps serving)"}`,
        ...describeError(err),
      ]);
    } finally {
      folder.running = false;
      if (folder.again) {
        folder.again = false;
        void this.deploy(folder, false);
      }
    }
  }

  private follow(folder: FolderState): void {
    if (folder.following || !folder.name) return;
    folder.following = true;
    const name = folder.name;
    const prefix = this.folders.length > 1 ? `[${name}] ` : "";
    followLogs(this.client, name, {
      signal: this.aborter.signal,
      onLog: (log) => this.io.print([prefix + formatLog(log)]),
    }).catch((err: unknown) => {
      folder.following = false;
      if (!this.aborter.signal.aborted) this.io.print([`logs of ${name} stopped:`, ...describeError(err)]);
    });
  }
}
