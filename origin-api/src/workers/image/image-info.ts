/** What an unpacked image tells the container layer, and how it becomes a LaunchSpec. */
import type { LaunchSpec } from "../types.ts";
import { imageError } from "./image-error.ts";

export interface ImageInfo {
  /** "sha256:<hex>" of the image config: the image id `docker images` shows, stable across formats. */
  digest: string;
  /** `<destDir>/rootfs`: the unpacked root folder. */
  rootfs: string;
  entrypoint: string[];
  cmd: string[];
  env: Record<string, string>;
  workingDir: string;
  /** The image's USER as numeric ids, never root; absent when the image names none. */
  user?: { uid: number; gid: number };
  /** As in the config, e.g. "8080/tcp". */
  exposedPorts: string[];
  warnings: string[];
}

/** Docker's default PATH when an image sets none. */
export const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** The process: the image's own root, ENTRYPOINT + CMD, its ENV and WORKDIR; PORT comes from the container layer. */
export function imageLaunchSpec(info: ImageInfo): LaunchSpec {
  const argv = [...info.entrypoint, ...info.cmd];
  if (argv.length === 0) throw imageError("config", "the image has neither ENTRYPOINT nor CMD");
  return {
    rootfs: { kind: "image", path: info.rootfs },
    mounts: [],
    argv,
    env: { PATH: DEFAULT_PATH, ...info.env },
    cwd: info.workingDir || "/",
    ...(info.user ? { user: { ...info.user } } : {}),
  };
}
