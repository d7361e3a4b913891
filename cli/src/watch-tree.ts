/**
 * Watches a folder tree for saves. Node 20's `fs.watch(dir, { recursive: true })` on Linux
 * stops reporting a file once an editor saved it by rename (write a temp file, rename it
 * over the original; `sed -i` does the same), so this watches every directory on its own:
 * a directory watch sees changes to whatever file sits under a name, however it got there.
 */
import { readdirSync, statSync, watch, type FSWatcher } from "node:fs";
import { join, relative } from "node:path";

export interface TreeWatcher {
  close(): void;
}

/** Calls `onChange` with the path (relative to `root`) of every change not `ignored`. */
export function watchTree(
  root: string,
  ignored: (relPath: string) => boolean,
  onChange: (relPath: string) => void,
): TreeWatcher {
  const watchers = new Map<string, FSWatcher>();

  const add = (dir: string) => {
    if (watchers.has(dir)) return;
    let watcher: FSWatcher;
    try {
      watcher = watch(dir, (_event, filename) => {
        if (!filename) return;
        const path = join(dir, filename.toString());
        const rel = relative(root, path);
        if (ignored(rel)) return;
        if (isDirectory(path)) add(path); // a new folder: watch it too
        onChange(rel);
      });
    } catch {
      return; // the directory went away between listing and watching
    }
    watcher.on("error", () => {
      watcher.close();
      watchers.delete(dir);
    });
    watchers.set(dir, watcher);
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory() && !ignored(relative(root, join(dir, entry.name)))) add(join(dir, entry.name));
    }
  };

  add(root);
  return {
    close() {
      for (const w of watchers.values()) w.close();
      watchers.clear();
    },
  };
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
