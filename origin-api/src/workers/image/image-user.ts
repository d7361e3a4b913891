/**
 * The image's USER as numeric ids (image-spec config.md: `user`, `uid`, `user:group`,
 * `uid:gid`, `user:gid`, `uid:group`). Names are looked up in the image's own
 * /etc/passwd and /etc/group. Root is never run: uid or gid 0 becomes 65534 (nobody).
 */
import { open } from "node:fs/promises";
import { join } from "node:path";
import { imageError } from "./image-error.ts";
import { resolveInRoot } from "./root-path.ts";

export const NOBODY = 65534;
const MAX_DB_BYTES = 1024 * 1024;

export interface NumericUser {
  uid: number;
  gid: number;
}

export async function resolveUser(
  rootfs: string,
  spec: string | null | undefined,
  warnings: string[],
): Promise<NumericUser | undefined> {
  if (!spec) return undefined;
  const [userPart, groupPart] = spec.split(":", 2);
  const passwd = await readDb(rootfs, "etc/passwd");
  const byName = passwd.find((f) => f[0] === userPart);
  const uid = isNumeric(userPart) ? Number(userPart) : numberOf(byName?.[2]);
  if (uid === undefined) throw imageError("config.User", `user ${userPart} is not in the image's /etc/passwd`);
  let gid: number | undefined;
  if (groupPart === undefined || groupPart === "") {
    const entry = byName ?? passwd.find((f) => numberOf(f[2]) === uid);
    gid = numberOf(entry?.[3]) ?? uid;
  } else if (isNumeric(groupPart)) {
    gid = Number(groupPart);
  } else {
    gid = numberOf((await readDb(rootfs, "etc/group")).find((f) => f[0] === groupPart)?.[2]);
    if (gid === undefined) throw imageError("config.User", `group ${groupPart} is not in the image's /etc/group`);
  }
  if (uid === 0) {
    warnings.push(`the image runs as root (USER ${spec}); it runs as nobody (${NOBODY}:${NOBODY}) instead`);
    return { uid: NOBODY, gid: NOBODY };
  }
  if (gid === 0) {
    warnings.push(`the image's group is root (USER ${spec}); it runs with group nobody (${NOBODY}) instead`);
    gid = NOBODY;
  }
  return { uid, gid };
}

function isNumeric(s: string): boolean {
  return /^\d{1,10}$/.test(s) && Number(s) <= 0xfffffffe;
}

function numberOf(s: string | undefined): number | undefined {
  return s !== undefined && isNumeric(s) ? Number(s) : undefined;
}

/** The colon-separated lines of an /etc database in the image; [] when absent. */
async function readDb(rootfs: string, name: string): Promise<string[][]> {
  const path = join(rootfs, ...(await resolveInRoot(rootfs, name.split("/"), true)));
  let text: string;
  try {
    const file = await open(path, "r");
    try {
      const buf = Buffer.alloc(MAX_DB_BYTES);
      const { bytesRead } = await file.read(buf, 0, MAX_DB_BYTES, 0);
      text = buf.subarray(0, bytesRead).toString("utf8");
    } finally {
      await file.close();
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR" || code === "EISDIR") return [];
    throw err;
  }
  return text
    .split("\n")
    .filter((line) => line && !line.startsWith("#"))
    .map((line) => line.split(":"));
}
