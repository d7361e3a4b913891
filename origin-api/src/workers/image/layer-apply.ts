/**
 * Applies one layer onto the root folder with the OCI layer semantics (image-spec
 * layer.md): entries replace what lower layers left at their path; `.wh.<name>` deletes
 * a lower entry; `.wh..wh..opq` hides everything lower layers put in its folder. Nothing
 * is written through a symlink: every parent path is resolved inside the root first.
 */
import { createWriteStream } from "node:fs";
import { chmod, link, lstat, mkdir, readdir, rm, symlink, unlink } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadEntry } from "tar";
import { dirMode, fileMode } from "./file-modes.ts";
import { imageError } from "./image-error.ts";
import type { LayerRef } from "./image-plan.ts";
import { readLayer, type ByteBudget } from "./layer-stream.ts";
import { pathParts, resolveInRoot, symlinkEscapes, unsafeArchivePath } from "./root-path.ts";

const WHITEOUT = ".wh.";
const OPAQUE = ".wh..wh..opq";
const SKIPPED_TYPES = new Set(["CharacterDevice", "BlockDevice", "FIFO"]);
const FILE_TYPES = new Set(["File", "OldFile", "ContiguousFile"]);

/** What all layers of one image share while unpacking. */
export interface UnpackState {
  root: string;
  budget: ByteBudget;
  maxEntries: number;
  entries: number;
  /** Host path -> final mode, applied once every layer is in (a 0555 folder must stay writable until then). */
  dirModes: Map<string, number>;
  warnings: string[];
}

interface LayerState extends UnpackState {
  /** Root-relative paths this layer wrote, and their ancestors: whiteouts only hide lower layers. */
  written: Set<string>;
  skipped: string[];
}

export async function applyLayer(state: UnpackState, layer: LayerRef, source: Readable): Promise<void> {
  const ctx: LayerState = { ...state, written: new Set<string>(), skipped: [] };
  const read = readLayer(source, layer.compression, state.budget, layer.member);
  for await (const entry of read.entries) {
    if (++state.entries > state.maxEntries) throw imageError(entry.path, `more than ${state.maxEntries} entries`);
    try {
      await applyEntry(ctx, entry);
    } finally {
      entry.resume(); // whatever was not written is skipped, so the next entry can come
    }
  }
  if (layer.digest !== undefined && read.storedDigest() !== layer.digest) {
    throw imageError(layer.member, `digest mismatch (expected ${layer.digest}, got ${read.storedDigest()})`);
  }
  if (layer.diffId !== undefined && read.diffId() !== layer.diffId) {
    throw imageError(layer.member, `uncompressed digest mismatch (config says ${layer.diffId}, got ${read.diffId()})`);
  }
  if (ctx.skipped.length > 0) {
    const some = ctx.skipped.slice(0, 3).join(", ");
    state.warnings.push(
      `${layer.member}: skipped ${ctx.skipped.length} device nodes, FIFOs or unsupported entries (${some})`,
    );
  }
}

async function applyEntry(ctx: LayerState, entry: ReadEntry): Promise<void> {
  const reason = unsafeArchivePath(entry.path);
  if (reason) throw imageError(entry.path, reason);
  const parts = pathParts(entry.path);
  if (parts.length === 0) return; // the root folder itself
  const name = parts[parts.length - 1];
  try {
    if (name.startsWith(WHITEOUT)) return await applyWhiteout(ctx, parts, name);
    if (FILE_TYPES.has(entry.type)) return await writeFile(ctx, parts, entry);
    if (entry.type === "Directory") return await writeDir(ctx, parts, entry.mode ?? 0o755);
    if (entry.type === "SymbolicLink") return await writeSymlink(ctx, parts, entry.linkpath ?? "");
    if (entry.type === "Link") return await writeHardLink(ctx, parts, entry.linkpath ?? "");
    ctx.skipped.push(SKIPPED_TYPES.has(entry.type) ? entry.path : `${entry.path} (${entry.type})`);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "FN_005") throw err;
    throw imageError(entry.path, `cannot unpack: ${code ?? (err as Error).message}`, err);
  }
}

async function writeFile(ctx: LayerState, parts: string[], entry: ReadEntry): Promise<void> {
  if (entry.size > ctx.budget.remaining) {
    throw imageError(entry.path, `the image unpacks to more than ${ctx.budget.max} bytes`);
  }
  const path = await clearPath(ctx, parts, false);
  await pipeline(entry, createWriteStream(path, { flags: "wx", mode: 0o600 }));
  await chmod(path, fileMode(entry.mode ?? 0o644));
}

async function writeDir(ctx: LayerState, parts: string[], mode: number): Promise<void> {
  const path = await clearPath(ctx, parts, true);
  await mkdir(path, { mode: 0o700 }).catch(ignoreCode("EEXIST"));
  ctx.dirModes.set(path, dirMode(mode));
}

async function writeSymlink(ctx: LayerState, parts: string[], target: string): Promise<void> {
  const entry = parts.join("/");
  if (target === "" || target.includes("\0")) throw imageError(entry, "symlink without a valid target");
  if (symlinkEscapes(parts, target)) throw imageError(entry, `symlink escapes the image root (${target})`);
  await symlink(target, await clearPath(ctx, parts, false));
}

/** Hard links must name an existing non-folder entry of the image, never a host file. */
async function writeHardLink(ctx: LayerState, parts: string[], linkpath: string): Promise<void> {
  const entry = parts.join("/");
  const reason = unsafeArchivePath(linkpath);
  if (reason) throw imageError(entry, `hard link escapes the image root (${linkpath}: ${reason})`);
  const target = join(ctx.root, ...(await resolveInRoot(ctx.root, pathParts(linkpath), false)));
  const st = await lstat(target).catch(ignoreCode("ENOENT", "ENOTDIR"));
  if (!st) throw imageError(entry, `hard link target ${linkpath} is not in the image`);
  if (st.isDirectory()) throw imageError(entry, `hard link target ${linkpath} is a folder`);
  const path = join(ctx.root, ...(await resolveInRoot(ctx.root, parts.slice(0, -1), true)), parts[parts.length - 1]);
  if (path === target) return;
  await link(target, await clearPath(ctx, parts, false));
}

async function applyWhiteout(ctx: LayerState, parts: string[], name: string): Promise<void> {
  const dir = await resolveInRoot(ctx.root, parts.slice(0, -1), true);
  if (name === OPAQUE) {
    await hideLower(ctx, dir);
    await ensureDirs(ctx, [...dir, "."]);
    markWritten(ctx, dir);
    return;
  }
  if (name.startsWith(`${WHITEOUT}${WHITEOUT}`)) return; // aufs bookkeeping (.wh..wh.plnk): nothing to apply
  const victim = name.slice(WHITEOUT.length);
  if (victim === "." || victim === "..") throw imageError(parts.join("/"), "whiteout of a relative path");
  const rel = [...dir, victim];
  if (!ctx.written.has(rel.join("/"))) await rm(join(ctx.root, ...rel), { recursive: true, force: true });
}

/** Removes everything under `dir` that this layer did not write itself (an opaque folder). */
async function hideLower(ctx: LayerState, dir: string[]): Promise<void> {
  const names = await readdir(join(ctx.root, ...dir)).catch(ignoreCode("ENOENT", "ENOTDIR"));
  for (const name of names ?? []) {
    const rel = [...dir, name];
    const path = join(ctx.root, ...rel);
    if (!ctx.written.has(rel.join("/"))) await rm(path, { recursive: true, force: true });
    else if ((await lstat(path)).isDirectory()) await hideLower(ctx, rel);
  }
}

/**
 * Makes `parts` ready to be (re)created: parents resolved inside the root and created,
 * whatever a lower layer left there removed (a folder stays when `keepDir`). Returns
 * the host path.
 */
async function clearPath(ctx: LayerState, parts: string[], keepDir: boolean): Promise<string> {
  const rel = [...(await resolveInRoot(ctx.root, parts.slice(0, -1), true)), parts[parts.length - 1]];
  await ensureDirs(ctx, rel);
  const path = join(ctx.root, ...rel);
  const st = await lstat(path).catch(ignoreCode("ENOENT"));
  if (st?.isDirectory()) {
    if (!keepDir) await rm(path, { recursive: true, force: true });
  } else if (st) {
    await unlink(path);
  }
  markWritten(ctx, rel);
  return path;
}

/** Creates the parents of `rel` (already free of symlinks) that do not exist yet. */
async function ensureDirs(ctx: LayerState, rel: string[]): Promise<void> {
  for (let i = 1; i < rel.length; i++) {
    const path = join(ctx.root, ...rel.slice(0, i));
    const created = await mkdir(path, { mode: 0o700 }).then(() => true, ignoreCode("EEXIST"));
    if (created) {
      ctx.dirModes.set(path, 0o755);
    } else if (!(await lstat(path)).isDirectory()) {
      throw imageError(rel.join("/"), `${rel.slice(0, i).join("/")} is not a folder`);
    }
  }
}

function markWritten(ctx: LayerState, rel: string[]): void {
  for (let i = 1; i <= rel.length; i++) ctx.written.add(rel.slice(0, i).join("/"));
}

/** A catch handler that turns the listed errno codes into undefined and rethrows the rest. */
function ignoreCode(...codes: string[]): (err: unknown) => undefined {
  return (err) => {
    if (codes.includes((err as NodeJS.ErrnoException).code ?? "")) return undefined;
    throw err;
  };
}
