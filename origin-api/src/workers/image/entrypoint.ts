/**
 * The image's command must exist in the image: a missing binary is a certain start
 * failure, better refused at deploy. Looked up as execve would inside the container: a
 * name with a slash from WORKDIR, a bare name along the image's PATH.
 */
import { stat } from "node:fs/promises";
import { join, posix } from "node:path";
import { imageError } from "./image-error.ts";
import { DEFAULT_PATH, type ImageInfo } from "./image-info.ts";
import { pathParts, resolveInRoot } from "./root-path.ts";

export async function checkEntrypoint(info: ImageInfo): Promise<void> {
  const argv0 = [...info.entrypoint, ...info.cmd][0];
  if (argv0 === undefined) throw imageError("config", "the image has neither ENTRYPOINT nor CMD");
  const candidates = argv0.includes("/")
    ? [posix.resolve(info.workingDir || "/", argv0)]
    : (info.env.PATH ?? DEFAULT_PATH).split(":").map((dir) => posix.join(dir || ".", argv0));
  for (const candidate of candidates) {
    if (await isExecutable(info.rootfs, candidate)) return;
  }
  throw imageError("config", `the image's command ${argv0} is not an executable file in the image`);
}

async function isExecutable(rootfs: string, path: string): Promise<boolean> {
  try {
    const st = await stat(join(rootfs, ...(await resolveInRoot(rootfs, pathParts(path), true))));
    return st.isFile() && (st.mode & 0o111) !== 0;
  } catch {
    return false; // missing, a symlink loop, a path through a file: not this candidate
  }
}
