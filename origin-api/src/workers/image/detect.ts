/**
 * Whether an upload is a container image: an OCI image layout (`oci-layout` and
 * `index.json`, image-spec image-layout.md) or a `docker save` archive (`manifest.json`,
 * an array of `{Config, Layers}`). Docker 25+ writes both; the OCI layout wins then.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { OuterTar, type ImageSource } from "./outer-tar.ts";

export type ImageFormat = "oci" | "docker";

const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

function isDockerManifest(text: string): boolean {
  try {
    const parsed = JSON.parse(text) as unknown;
    return (
      Array.isArray(parsed) &&
      parsed.length > 0 &&
      parsed.every(
        (m: { Config?: unknown; Layers?: unknown }) => typeof m?.Config === "string" && Array.isArray(m.Layers),
      )
    );
  } catch {
    return false; // a function's own manifest.json that is not JSON: not an image
  }
}

/** The format of an image archive (a Buffer or a file path); undefined when it is not an image. */
export async function detectImage(source: ImageSource | OuterTar): Promise<ImageFormat | undefined> {
  let tar: OuterTar;
  if (source instanceof OuterTar) tar = source;
  else {
    try {
      tar = await OuterTar.open(source);
    } catch (err) {
      if ((err as { code?: string }).code === "FN_005") return undefined; // not a tar at all
      throw err;
    }
  }
  try {
    if (tar.has("oci-layout") && tar.has("index.json")) return "oci";
    const size = tar.size("manifest.json");
    if (size === undefined || size > MAX_MANIFEST_BYTES) return undefined;
    return isDockerManifest((await tar.read("manifest.json", MAX_MANIFEST_BYTES)).toString("utf8"))
      ? "docker"
      : undefined;
  } finally {
    if (!(source instanceof OuterTar)) await tar.close();
  }
}

/** The same test on an archive already extracted into `dir`. */
export function detectImageDir(dir: string): ImageFormat | undefined {
  if (existsSync(join(dir, "oci-layout")) && existsSync(join(dir, "index.json"))) return "oci";
  const manifest = join(dir, "manifest.json");
  if (!existsSync(manifest) || statSync(manifest).size > MAX_MANIFEST_BYTES) return undefined;
  return isDockerManifest(readFileSync(manifest, "utf8")) ? "docker" : undefined;
}
