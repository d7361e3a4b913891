/**
 * Modes of unpacked files. Image ownership is not kept (everything is owned by the host
 * user that unpacks, and the root is mounted read-only), so a file's read and execute
 * bits are shared with everyone when anyone had them: the container's user, whatever its
 * uid, can read what the image meant someone to read. setuid/setgid are dropped; the
 * sticky bit and the write bits stay as they were (the root is read-only anyway).
 */

export function fileMode(mode: number): number {
  const bits = mode & 0o1777;
  const read = bits & 0o444 ? 0o444 : 0;
  const exec = bits & 0o111 ? 0o111 : 0;
  return (bits & 0o1222) | read | exec;
}

/** Folders are always at least rwxr-xr-x: listable by the container, removable by the host. */
export function dirMode(mode: number): number {
  return fileMode(mode) | 0o755;
}
