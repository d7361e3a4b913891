/**
 * Builds small container images for tests from the host's static busybox (Debian's
 * busybox-static): a `docker save` archive or an OCI image layout, as the bytes an
 * upload would carry. The default process serves /www over HTTP on 127.0.0.1:$PORT, with
 * a CGI script at /cgi-bin/hello that answers with the request method and $GREETING.
 * Layers are written header by header, so tests can also craft hostile entries
 * (`../` names, absolute paths, links out of the root) that tar tools refuse to make.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { Header } from "tar";

export const BUSYBOX_PATH = "/bin/busybox";
export const BUSYBOX_APPLETS = ["sh", "ls", "cat", "echo", "env", "httpd"];
export const DEFAULT_ENTRYPOINT = ["/bin/busybox", "sh", "-c", "exec /bin/busybox httpd -f -p 127.0.0.1:$PORT -h /www"];
export const INDEX_HTML = "hello from busybox\n";

export type LayerEntry =
  | { type?: "file"; path: string; content: string | Buffer; mode?: number }
  | { type: "dir"; path: string; mode?: number }
  | { type: "symlink"; path: string; target: string }
  | { type: "hardlink"; path: string; target: string }
  | { type: "fifo"; path: string };

export interface BusyboxImageOptions {
  format: "docker" | "oci";
  /** gzip every layer (OCI: the tar+gzip media type; docker save: gzip layer.tar files). */
  gzip?: boolean;
  /** Extra files in the base layer: path -> content, or content with a mode. */
  files?: Record<string, string | Buffer | { content: string | Buffer; mode?: number }>;
  entrypoint?: string[];
  cmd?: string[];
  env?: Record<string, string>;
  /** Default "app" (1000:1000 in the image's /etc/passwd); null for none. */
  user?: string | null;
  workingDir?: string;
  exposedPorts?: string[];
  /** Layers above the base, in order. */
  extraLayers?: LayerEntry[][];
  /** OCI: the media type written for every layer (to test unknown ones). */
  layerMediaType?: string;
  /** OCI: index.json points to a nested index listing an arm64 image (absent) and this one. */
  nestedIndex?: boolean;
  /** Edits the archive's members (name -> bytes) just before packing: drop a blob, flip a byte. */
  tamper?: (members: Map<string, Buffer>) => void;
}

const TYPES = { file: "File", dir: "Directory", symlink: "SymbolicLink", hardlink: "Link", fifo: "FIFO" } as const;

/** A tar of `entries` exactly as given (names are not cleaned). */
export function layerTar(entries: LayerEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const type = entry.type ?? "file";
    const body = type === "file" ? Buffer.from((entry as { content: string | Buffer }).content) : Buffer.alloc(0);
    const header = new Header({
      path: entry.path,
      mode: "mode" in entry && entry.mode !== undefined ? entry.mode : type === "dir" ? 0o755 : 0o644,
      uid: 0,
      gid: 0,
      size: body.length,
      mtime: new Date(0),
      type: TYPES[type],
      linkpath: "target" in entry ? entry.target : "",
      uname: "root",
      gname: "root",
    });
    if (header.encode()) throw new Error(`layerTar: ${entry.path} needs a pax header; keep test names short`);
    blocks.push(header.block as Buffer, body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

export function baseLayer(files: BusyboxImageOptions["files"] = {}): LayerEntry[] {
  const entries: LayerEntry[] = [
    { type: "dir", path: "bin/" },
    { type: "dir", path: "etc/" },
    { type: "dir", path: "tmp/", mode: 0o1777 },
    { type: "dir", path: "www/" },
    { type: "dir", path: "www/cgi-bin/" },
    { path: "bin/busybox", content: readFileSync(BUSYBOX_PATH), mode: 0o755 },
    ...BUSYBOX_APPLETS.map((name): LayerEntry => ({ type: "symlink", path: `bin/${name}`, target: "busybox" })),
    {
      path: "etc/passwd",
      content: "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534::/:/bin/false\napp:x:1000:1000::/www:/bin/sh\n",
    },
    { path: "etc/group", content: "root:x:0:\nnobody:x:65534:\napp:x:1000:\n" },
    { path: "www/index.html", content: INDEX_HTML },
    {
      path: "www/cgi-bin/hello",
      mode: 0o755,
      content: '#!/bin/sh\necho "Content-Type: text/plain"\necho\necho "method=$REQUEST_METHOD greeting=$GREETING"\n',
    },
  ];
  for (const [path, value] of Object.entries(files)) {
    const { content, mode } =
      typeof value === "string" || Buffer.isBuffer(value) ? { content: value, mode: undefined } : value;
    entries.push({ path, content, mode });
  }
  return entries;
}

function sha256(bytes: Buffer): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function hostArchitecture(): string {
  return process.arch === "x64" ? "amd64" : process.arch;
}

function imageConfig(opts: BusyboxImageOptions, diffIds: string[]): Buffer {
  const env = { PATH: "/bin", GREETING: "hello", ...opts.env };
  const user = opts.user === undefined ? "app" : opts.user;
  return Buffer.from(
    JSON.stringify({
      architecture: hostArchitecture(),
      os: "linux",
      config: {
        Entrypoint: opts.entrypoint ?? DEFAULT_ENTRYPOINT,
        Cmd: opts.cmd ?? null,
        Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
        WorkingDir: opts.workingDir ?? "/www",
        ...(user ? { User: user } : {}),
        ExposedPorts: Object.fromEntries((opts.exposedPorts ?? ["8080/tcp"]).map((p) => [p, {}])),
      },
      rootfs: { type: "layers", diff_ids: diffIds.map((d) => `sha256:${d}`) },
    }),
  );
}

/** The image as the bytes of a `docker save` tar or an OCI image layout tar. */
export async function buildBusyboxImage(opts: BusyboxImageOptions): Promise<Buffer> {
  const layers = [baseLayer(opts.files), ...(opts.extraLayers ?? [])].map(layerTar);
  const diffIds = layers.map(sha256);
  const blobs = layers.map((tar) => (opts.gzip ? gzipSync(tar) : tar));
  const config = imageConfig(opts, diffIds);
  const members = opts.format === "docker" ? dockerMembers(blobs, diffIds, config) : ociMembers(opts, blobs, config);
  opts.tamper?.(members);
  return layerTar([...members].map(([path, content]) => ({ path, content })));
}

function dockerMembers(blobs: Buffer[], diffIds: string[], config: Buffer): Map<string, Buffer> {
  const members = new Map<string, Buffer>();
  const configName = `${sha256(config)}.json`;
  const layerNames = diffIds.map((id) => `${id}/layer.tar`);
  members.set(
    "manifest.json",
    Buffer.from(JSON.stringify([{ Config: configName, RepoTags: ["bunbase/busybox:test"], Layers: layerNames }])),
  );
  members.set(configName, config);
  blobs.forEach((blob, i) => {
    members.set(`${diffIds[i]}/VERSION`, Buffer.from("1.0"));
    members.set(layerNames[i], blob);
  });
  return members;
}

function ociMembers(opts: BusyboxImageOptions, blobs: Buffer[], config: Buffer): Map<string, Buffer> {
  const members = new Map<string, Buffer>();
  const put = (mediaType: string, bytes: Buffer) => {
    const digest = sha256(bytes);
    members.set(`blobs/sha256/${digest}`, bytes);
    return { mediaType, digest: `sha256:${digest}`, size: bytes.length };
  };
  const layerType = opts.layerMediaType ?? `application/vnd.oci.image.layer.v1.tar${opts.gzip ? "+gzip" : ""}`;
  const manifest = {
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: put("application/vnd.oci.image.config.v1+json", config),
    layers: blobs.map((blob) => put(layerType, blob)),
  };
  let top = put(manifest.mediaType, Buffer.from(JSON.stringify(manifest)));
  if (opts.nestedIndex) {
    const absent = { ...top, digest: `sha256:${"0".repeat(64)}`, platform: { os: "linux", architecture: "arm64" } };
    const here = { ...top, platform: { os: "linux", architecture: hostArchitecture() } };
    const nested = {
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: [absent, here],
    };
    top = put(nested.mediaType, Buffer.from(JSON.stringify(nested)));
  }
  const index = { schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: [top] };
  members.set("oci-layout", Buffer.from('{"imageLayoutVersion":"1.0.0"}'));
  members.set("index.json", Buffer.from(JSON.stringify(index)));
  return members;
}
