/**
 * Turns a deploy body (contract 2.1) into a folder the build worker can build: files,
 * a tarball or a git checkout. Image archives are recognised before (deployer.ts); one
 * found inside an extracted folder is refused here.
 */
import { existsSync, readFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { cloneGit, extractTarball, writeFiles } from "../../../bundler/index.ts";
import { BunbaseError, invalid } from "../../../core/index.ts";

export type DeploySource =
  | { kind: "files"; files: Record<string, string> }
  | { kind: "tarball"; data: Buffer; gzip: boolean }
  /** A custom container: an OCI image layout tar or a `docker save` tar (contract 2.1). */
  | { kind: "image"; data: Buffer }
  | { kind: "git"; git: { url: string; ref?: string; path?: string } }
  | { kind: "bundle"; bundle: { code: string; map?: string; exportName: string }; config?: Record<string, unknown> };

const IMAGE_IN_SOURCES =
  "this upload holds a container image inside a function folder: deploy the image archive itself (OCI image layout or `docker save` tar)";

const CONFIG_FILES = ["function.config.ts", "function.config.js", "function.config.json"];

/** Writes the source into `dir`; returns the folder to build (a git `path` may point below it). */
export async function materialize(
  source: Exclude<DeploySource, { kind: "bundle" | "image" }>,
  dir: string,
): Promise<string> {
  await mkdir(dir, { recursive: true });
  switch (source.kind) {
    case "files":
      await writeFiles(source.files, dir);
      return dir;
    case "tarball":
      await extractTarball(source.data, dir, source.gzip);
      if (isContainerImage(dir))
        throw new BunbaseError("FN_005", IMAGE_IN_SOURCES, { details: { runtime: "container" } });
      return dir;
    case "git": {
      const out: unknown = await cloneGit(source.git, dir);
      if (typeof out === "string") return out;
      return source.git.path ? join(dir, source.git.path) : dir;
    }
  }
}

export function hasConfigFile(dir: string): boolean {
  return CONFIG_FILES.some((f) => existsSync(join(dir, f)));
}

/** An OCI image layout (`oci-layout`) or a `docker save` archive (manifest.json listing layers). */
function isContainerImage(dir: string): boolean {
  if (existsSync(join(dir, "oci-layout"))) return true;
  const manifest = join(dir, "manifest.json");
  if (!existsSync(manifest)) return false;
  try {
    const parsed = JSON.parse(readFileSync(manifest, "utf8")) as unknown;
    return Array.isArray(parsed) && parsed.some((m: { Layers?: unknown }) => Array.isArray(m?.Layers));
  } catch {
    return false; // a user's own manifest.json that is not JSON: not an image
  }
}

/** Reads a JSON deploy body into a source, validating its shape. */
export function sourceFromJson(body: Record<string, unknown>): DeploySource {
  const given = ["files", "git", "bundle"].filter((k) => body[k] !== undefined);
  if (given.length !== 1) throw invalid(given.length ? given[1] : "files", "give exactly one of files, git or bundle");
  if (body.files !== undefined) {
    const files = body.files;
    if (!files || typeof files !== "object" || Array.isArray(files))
      throw invalid("files", "must be an object of path -> content");
    for (const [path, content] of Object.entries(files)) {
      if (typeof content !== "string") throw invalid(`files.${path}`, "must be a string");
    }
    if (Object.keys(files).length === 0) throw invalid("files", "must hold at least one file");
    return { kind: "files", files: files as Record<string, string> };
  }
  if (body.git !== undefined) {
    const git = body.git as Record<string, unknown>;
    if (!git || typeof git !== "object" || typeof git.url !== "string" || git.url === "")
      throw invalid("git.url", "a git deploy needs a url");
    for (const k of ["ref", "path"] as const) {
      if (git[k] !== undefined && typeof git[k] !== "string") throw invalid(`git.${k}`, "must be a string");
    }
    if (typeof git.path === "string" && (git.path.split(/[\\/]/).includes("..") || git.path.startsWith("/"))) {
      throw invalid("git.path", "must be a relative path inside the repository");
    }
    return {
      kind: "git",
      git: { url: git.url, ref: git.ref as string | undefined, path: git.path as string | undefined },
    };
  }
  const bundle = body.bundle as Record<string, unknown>;
  if (!bundle || typeof bundle !== "object") throw invalid("bundle", "must be an object");
  if (typeof bundle.code !== "string" || bundle.code === "") throw invalid("bundle.code", "must be a non-empty string");
  if (bundle.map !== undefined && typeof bundle.map !== "string") throw invalid("bundle.map", "must be a string");
  if (typeof bundle.exportName !== "string" || bundle.exportName === "")
    throw invalid("bundle.exportName", "must be a non-empty string");
  if (body.config !== undefined && (!body.config || typeof body.config !== "object" || Array.isArray(body.config))) {
    throw invalid("config", "must be an object");
  }
  return {
    kind: "bundle",
    bundle: { code: bundle.code, map: bundle.map as string | undefined, exportName: bundle.exportName },
    config: body.config as Record<string, unknown> | undefined,
  };
}
