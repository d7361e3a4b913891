/**
 * What to unpack: the image's config and its layers in order, read from an OCI image
 * layout (image-spec image-layout.md: index.json -> manifest -> config + layers) or a
 * `docker save` archive (manifest.json[0].Config and .Layers). Small JSON blobs are
 * verified against their digests here; layers are verified while they are applied.
 */
import { createHash } from "node:crypto";
import { imageError } from "./image-error.ts";
import { CONFIG_TYPES, INDEX_TYPES, MANIFEST_TYPES, layerCompression, sniffCompression } from "./media-types.ts";
import type { LayerCompression } from "./media-types.ts";
import type { OuterTar } from "./outer-tar.ts";
import type { ImageFormat } from "./detect.ts";
import {
  DockerManifestSchema,
  ImageConfigSchema,
  IndexSchema,
  ManifestSchema,
  parseJson,
  type Descriptor,
  type ImageConfig,
} from "./schemas.ts";

const MAX_JSON_BYTES = 4 * 1024 * 1024;
const MAX_INDEX_DEPTH = 4;

export type { ImageFormat } from "./detect.ts";

export interface LayerRef {
  /** The archive member holding the layer. */
  member: string;
  compression: LayerCompression;
  /** sha256 of the member's bytes as stored, when known ("sha256:<hex>"). */
  digest?: string;
  /** sha256 of the uncompressed tar, from the config's rootfs.diff_ids. */
  diffId?: string;
}

export interface ImagePlan {
  format: ImageFormat;
  configDigest: string;
  config: ImageConfig;
  layers: LayerRef[];
  warnings: string[];
}

/** The Go names of the host's architecture as images spell them. */
export function hostArchitecture(): string {
  return (
    ({ x64: "amd64", arm64: "arm64", arm: "arm", ppc64: "ppc64le", s390x: "s390x" } as Record<string, string>)[
      process.arch
    ] ?? process.arch
  );
}

export function sha256(bytes: Buffer): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

/** `blobs/sha256/<hex>`, after checking the algorithm is one we verify. */
export function blobPath(digest: string): string {
  const [algorithm, hex] = digest.split(":");
  if (algorithm !== "sha256" || !/^[a-f0-9]{64}$/.test(hex ?? "")) {
    throw imageError(digest, "only sha256 digests are supported");
  }
  return `blobs/sha256/${hex}`;
}

async function readBlob(tar: OuterTar, desc: Descriptor): Promise<Buffer> {
  const member = blobPath(desc.digest);
  const bytes = await tar.read(member, MAX_JSON_BYTES);
  if (bytes.length !== desc.size)
    throw imageError(member, `size ${bytes.length} does not match the descriptor's ${desc.size}`);
  if (sha256(bytes) !== desc.digest) throw imageError(member, "digest mismatch");
  return bytes;
}

export async function planOci(tar: OuterTar, arch = hostArchitecture()): Promise<ImagePlan> {
  const warnings: string[] = [];
  const index = parseJson(IndexSchema, await tar.read("index.json", MAX_JSON_BYTES), "index.json");
  let desc = pickManifest(index.manifests, arch, warnings, "index.json");
  for (let depth = 0; INDEX_TYPES.has(desc.mediaType ?? ""); depth++) {
    if (depth >= MAX_INDEX_DEPTH) throw imageError(desc.digest, "image indexes nested too deeply");
    const nested = parseJson(IndexSchema, await readBlob(tar, desc), blobPath(desc.digest));
    desc = pickManifest(nested.manifests, arch, warnings, blobPath(desc.digest));
  }
  const manifest = parseJson(ManifestSchema, await readBlob(tar, desc), blobPath(desc.digest));
  if (!CONFIG_TYPES.has(manifest.config.mediaType ?? "")) {
    throw imageError(manifest.config.digest, `unknown config media type ${manifest.config.mediaType}`);
  }
  const config = parseJson(ImageConfigSchema, await readBlob(tar, manifest.config), blobPath(manifest.config.digest));
  const diffIds = diffIdsOf(config, manifest.layers.length);
  const layers = manifest.layers.map((layer, i): LayerRef => {
    const member = blobPath(layer.digest);
    const compression = layerCompression(layer.mediaType ?? "");
    if (compression === undefined) throw imageError(member, `unknown layer media type ${layer.mediaType}`);
    if (compression === "zstd") throw imageError(member, "unsupported layer compression (zstd)");
    const size = tar.size(member);
    if (size === undefined) throw imageError(member, "layer blob missing from the archive");
    if (size !== layer.size) throw imageError(member, `size ${size} does not match the descriptor's ${layer.size}`);
    return { member, compression, digest: layer.digest, diffId: diffIds?.[i] };
  });
  checkPlatform(config, arch);
  return { format: "oci", configDigest: manifest.config.digest, config, layers, warnings };
}

/** The host's platform from an index; an index without platforms must hold one image. */
function pickManifest(manifests: Descriptor[], arch: string, warnings: string[], where: string): Descriptor {
  const images = manifests.filter(
    (m) => m.mediaType === undefined || MANIFEST_TYPES.has(m.mediaType) || INDEX_TYPES.has(m.mediaType),
  );
  const runnable = images.filter((m) => m.platform?.os !== "unknown"); // buildx attestations
  const matching = runnable.filter((m) => m.platform?.os === "linux" && m.platform.architecture === arch);
  const unplatformed = runnable.filter((m) => m.platform === undefined);
  const chosen = matching[0] ?? unplatformed[0];
  if (!chosen) {
    const found = runnable.map((m) => `${m.platform?.os}/${m.platform?.architecture}`).join(", ") || "none";
    throw imageError(where, `no linux/${arch} image in the index (found: ${found})`);
  }
  const candidates = matching.length > 0 ? matching : unplatformed;
  if (candidates.length > 1)
    warnings.push(`${where} lists ${candidates.length} images; using the first (${chosen.digest})`);
  return chosen;
}

function diffIdsOf(config: ImageConfig, layerCount: number): string[] | undefined {
  const ids = config.rootfs?.diff_ids;
  if (ids === undefined) return undefined;
  if (ids.length !== layerCount) {
    throw imageError("config", `rootfs.diff_ids lists ${ids.length} layers, the manifest ${layerCount}`);
  }
  return ids;
}

function checkPlatform(config: ImageConfig, arch: string): void {
  if (config.os !== undefined && config.os !== "linux")
    throw imageError("config", `the image is for ${config.os}, not linux`);
  if (config.architecture !== undefined && config.architecture !== arch) {
    throw imageError("config", `the image is for ${config.architecture}; this machine runs ${arch}`);
  }
}

/** A digest spelled by a member's name: `<hex>.json` (old docker save) or `blobs/sha256/<hex>`. */
function digestFromName(member: string): string | undefined {
  const hex = /(?:^|\/)(?:blobs\/sha256\/)?([a-f0-9]{64})(?:\.json)?$/.exec(member)?.[1];
  return hex && (member.endsWith(".json") || member.startsWith("blobs/sha256/")) ? `sha256:${hex}` : undefined;
}

export async function planDocker(tar: OuterTar, arch = hostArchitecture()): Promise<ImagePlan> {
  const warnings: string[] = [];
  const manifests = parseJson(DockerManifestSchema, await tar.read("manifest.json", MAX_JSON_BYTES), "manifest.json");
  if (manifests.length > 1) warnings.push(`manifest.json lists ${manifests.length} images; using the first`);
  const { Config, Layers } = manifests[0];
  const configBytes = await tar.read(Config, MAX_JSON_BYTES);
  const configDigest = sha256(configBytes);
  const named = digestFromName(Config);
  if (named !== undefined && named !== configDigest) throw imageError(Config, "digest mismatch");
  const config = parseJson(ImageConfigSchema, configBytes, Config);
  const diffIds = diffIdsOf(config, Layers.length);
  const layers: LayerRef[] = [];
  for (const [i, member] of Layers.entries()) {
    if (!tar.has(member)) throw imageError(member, "layer missing from the archive");
    const head = await readHead(tar, member);
    const compression = sniffCompression(head);
    if (compression === "zstd") throw imageError(member, "unsupported layer compression (zstd)");
    layers.push({ member, compression, digest: digestFromName(member), diffId: diffIds?.[i] });
  }
  checkPlatform(config, arch);
  return { format: "docker", configDigest, config, layers, warnings };
}

async function readHead(tar: OuterTar, member: string): Promise<Buffer> {
  const stream = tar.stream(member);
  try {
    for await (const chunk of stream) return (chunk as Buffer).subarray(0, 4);
    return Buffer.alloc(0);
  } finally {
    stream.destroy();
  }
}
