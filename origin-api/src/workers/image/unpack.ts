/**
 * unpackImage: an image archive (OCI layout or `docker save`) into `<destDir>/rootfs`,
 * verified and capped, plus what its config says about the process to run.
 */
import { createReadStream, createWriteStream } from "node:fs";
import { chmod, mkdir, open, rm } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { CONTAINER_PORT } from "../types.ts";
import { detectImage } from "./detect.ts";
import { checkEntrypoint } from "./entrypoint.ts";
import { imageError } from "./image-error.ts";
import type { ImageInfo } from "./image-info.ts";
import { planDocker, planOci, type ImagePlan } from "./image-plan.ts";
import { resolveUser } from "./image-user.ts";
import { applyLayer, type UnpackState } from "./layer-apply.ts";
import { OuterTar, type ImageSource } from "./outer-tar.ts";

export interface ImageLimits {
  /** Uncompressed layer bytes, all layers together. */
  maxBytes: number;
  /** Layer entries, all layers together. */
  maxEntries: number;
}

export const DEFAULT_IMAGE_LIMITS: ImageLimits = { maxBytes: 1024 * 1024 * 1024, maxEntries: 200_000 };

export interface UnpackOptions {
  limits?: Partial<ImageLimits>;
  /** The platform to pick from a multi-platform index; the host's by default. */
  architecture?: string;
}

/**
 * Unpacks the image in `source` (the archive's bytes or its path; a gzip-compressed
 * archive is decompressed to `<destDir>/image.tar` first) into `<destDir>/rootfs`, which
 * must not exist. On any failure the rootfs is removed and the error is FN_005.
 */
export async function unpackImage(
  source: ImageSource,
  destDir: string,
  options: UnpackOptions = {},
): Promise<ImageInfo> {
  const limits = { ...DEFAULT_IMAGE_LIMITS, ...options.limits };
  const rootfs = join(destDir, "rootfs");
  await mkdir(destDir, { recursive: true });
  await mkdir(rootfs, { mode: 0o755 });
  const gunzipped = (await isGzip(source)) ? await gunzipArchive(source, destDir, limits.maxBytes) : undefined;
  let tar: OuterTar | undefined;
  try {
    tar = await OuterTar.open(gunzipped ?? source);
    const format = await detectImage(tar);
    if (!format) throw imageError("", "neither an OCI image layout nor a docker save archive");
    const plan =
      format === "oci" ? await planOci(tar, options.architecture) : await planDocker(tar, options.architecture);
    await unpackLayers(tar, plan, rootfs, limits);
    return await describe(plan, rootfs);
  } catch (err) {
    await rm(rootfs, { recursive: true, force: true });
    throw err;
  } finally {
    await tar?.close();
    if (gunzipped) await rm(gunzipped, { force: true });
  }
}

async function unpackLayers(tar: OuterTar, plan: ImagePlan, rootfs: string, limits: ImageLimits): Promise<void> {
  const state: UnpackState = {
    root: rootfs,
    budget: { remaining: limits.maxBytes, max: limits.maxBytes },
    maxEntries: limits.maxEntries,
    entries: 0,
    dirModes: new Map(),
    warnings: plan.warnings,
  };
  for (const layer of plan.layers) await applyLayer(state, layer, tar.stream(layer.member));
  // deepest first, so a read-only parent never blocks its children's chmod
  const dirs = [...state.dirModes].sort(([a], [b]) => b.length - a.length);
  for (const [path, mode] of dirs) {
    await chmod(path, mode).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== "ENOENT") throw err; // removed by a later layer's whiteout
    });
  }
}

async function describe(plan: ImagePlan, rootfs: string): Promise<ImageInfo> {
  const config = plan.config.config ?? {};
  const warnings = plan.warnings;
  const env: Record<string, string> = {};
  for (const pair of config.Env ?? []) {
    const eq = pair.indexOf("=");
    if (eq > 0) env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  const exposedPorts = Object.keys(config.ExposedPorts ?? {});
  if (exposedPorts.length > 0 && !exposedPorts.some((p) => p.split("/")[0] === String(CONTAINER_PORT))) {
    warnings.push(
      `the image exposes ${exposedPorts.join(", ")}; its process must serve HTTP on $PORT (${CONTAINER_PORT})`,
    );
  }
  const info: ImageInfo = {
    digest: plan.configDigest,
    rootfs,
    entrypoint: config.Entrypoint ?? [],
    cmd: config.Cmd ?? [],
    env,
    workingDir: config.WorkingDir || "/",
    user: await resolveUser(rootfs, config.User, warnings),
    exposedPorts,
    warnings,
  };
  if (!info.user) delete info.user;
  await checkEntrypoint(info);
  return info;
}

async function isGzip(source: ImageSource): Promise<boolean> {
  if (typeof source !== "string") return source[0] === 0x1f && source[1] === 0x8b;
  const file = await open(source, "r");
  try {
    const head = Buffer.alloc(2);
    await file.read(head, 0, 2, 0);
    return head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    await file.close();
  }
}

/** `docker save | gzip`: decompressed once to disk, stopping at the size cap. */
async function gunzipArchive(source: ImageSource, destDir: string, maxBytes: number): Promise<string> {
  const out = join(destDir, "image.tar");
  let total = 0;
  const input = typeof source === "string" ? createReadStream(source) : Readable.from([source]);
  try {
    await pipeline(
      input,
      createGunzip(),
      async function* (chunks: AsyncIterable<Buffer>) {
        for await (const chunk of chunks) {
          total += chunk.length;
          if (total > maxBytes) throw imageError("", `the archive decompresses to more than ${maxBytes} bytes`);
          yield chunk;
        }
      },
      createWriteStream(out, { mode: 0o600 }),
    );
  } catch (err) {
    await rm(out, { force: true });
    if ((err as { code?: string }).code === "FN_005") throw err;
    throw imageError("", `not a readable gzip archive: ${(err as Error).message}`, err);
  }
  return out;
}
