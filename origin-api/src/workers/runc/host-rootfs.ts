/**
 * The `host` root filesystem (LaunchSpec.rootfs.kind === "host"): an empty folder, shared
 * by every container, onto which the host's /usr, /lib, /lib64, /bin, /sbin are bind
 * mounted read-only, plus a minimal /etc of ours. Built once by ContainerHost.init().
 */
import { existsSync, lstatSync, readlinkSync } from "node:fs";
import { chmod, mkdir, rm, stat, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { BindMount } from "../types.ts";

const SYSTEM_DIRS = ["/usr", "/lib", "/lib64", "/lib32", "/libx32", "/bin", "/sbin"];
/** Trust stores, so TLS works through the egress proxy. */
const TLS_DIRS = ["/etc/ssl", "/etc/ca-certificates", "/etc/pki"];

const ETC_FILES: Record<string, string> = {
  passwd: "root:x:0:0:root:/root:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
  group: "root:x:0:\nnogroup:x:65534:\n",
  hosts: "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n",
  "nsswitch.conf": "passwd: files\ngroup: files\nhosts: files dns\n",
  // No resolver inside: names are resolved by the egress proxy on the host.
  "resolv.conf": "",
  hostname: "function\n",
};

export interface HostRootfs {
  /** The shared, empty root folder (holds only mount points and the merged-/usr symlinks). */
  root: string;
  /** Read-only bind mounts that fill it. */
  mounts: BindMount[];
}

export async function prepareHostRootfs(stateDir: string): Promise<HostRootfs> {
  const root = join(stateDir, "rootfs");
  const etc = join(stateDir, "etc");
  await rm(root, { recursive: true, force: true });
  await rm(etc, { recursive: true, force: true });
  await mkdir(root, { recursive: true });
  await mkdir(etc, { recursive: true });
  await ensureTmpMountPoint(root);
  const mounts: BindMount[] = [];
  for (const dir of SYSTEM_DIRS) {
    if (!existsSync(dir)) continue;
    // Merged /usr (Debian 12: /bin -> usr/bin): the same symlink inside, no mount.
    if (lstatSync(dir).isSymbolicLink()) await symlink(readlinkSync(dir), join(root, dir));
    else mounts.push({ source: dir, destination: dir });
  }
  for (const [name, text] of Object.entries(ETC_FILES)) await writeFile(join(etc, name), text, { mode: 0o644 });
  mounts.push({ source: etc, destination: "/etc" });
  for (const dir of TLS_DIRS) {
    if (!existsSync(dir)) continue;
    await mkdir(join(etc, dir.slice("/etc/".length)), { recursive: true });
    mounts.push({ source: dir, destination: dir });
  }
  return { root, mounts };
}

/**
 * runc gives a tmpfs the mode of the folder it is mounted on when that folder exists (and
 * creates missing ones 0755), whatever `mode=` says: /tmp must be 1777 in every root.
 */
export async function ensureTmpMountPoint(root: string): Promise<void> {
  const tmp = join(root, "tmp");
  const info = await stat(tmp).catch(() => null);
  if (info !== null && (info.mode & 0o7777) === 0o1777) return;
  if (info === null) await mkdir(tmp);
  await chmod(tmp, 0o1777);
}
