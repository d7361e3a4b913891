/**
 * API keys: creation (shown once), verification by sha256, and the two keys the first
 * start writes to the data dir (`admin.key`, `node.key`, mode 0600).
 */
import { createHash, randomBytes } from "node:crypto";
import { join } from "node:path";
import { BunbaseError, invalid, newId, readIfExists, writePrivateFile } from "../../../core/index.ts";
import { ROLES, type ApiKeyRow, type Role, type Store } from "../store/index.ts";

const TOUCH_EVERY_MS = 60_000;

export class ApiKeys {
  private readonly touched = new Map<string, number>();

  constructor(private readonly store: Store) {}

  list(): ApiKeyRow[] {
    return this.store.keys.list();
  }

  create(name: unknown, role: unknown): ApiKeyRow & { key: string } {
    if (typeof name !== "string" || name.trim() === "" || name.length > 100)
      throw invalid("name", "a key needs a name (1-100 characters)");
    if (typeof role !== "string" || !ROLES.includes(role as Role))
      throw invalid("role", `role must be one of ${ROLES.join(", ")}`);
    const key = `bb_${role}_${randomBytes(24).toString("base64url")}`;
    const row = this.store.keys.insert(newId("key"), name.trim(), role as Role, hash(key));
    return { ...row, key };
  }

  delete(id: string): void {
    if (!this.store.keys.delete(id)) throw new BunbaseError("FN_001", `API key ${id} not found`);
  }

  /** The key's row, or undefined for an unknown key. Records last use at most once a minute. */
  verify(key: string): ApiKeyRow | undefined {
    const row = this.store.keys.byHash(hash(key));
    if (!row) return undefined;
    const last = this.touched.get(row.id) ?? 0;
    if (Date.now() - last > TOUCH_EVERY_MS) {
      this.touched.set(row.id, Date.now());
      this.store.keys.touch(row.id);
    }
    return row;
  }

  /** Makes sure `<dir>/<file>` holds a key of `role` known to the store; returns its path. */
  ensureKeyFile(dataDir: string, file: "admin.key" | "node.key", role: Role): { path: string; created: boolean } {
    const path = join(dataDir, file);
    const existing = readIfExists(path);
    if (existing && this.store.keys.byHash(hash(existing))) return { path, created: false };
    if (existing) {
      // The file survived a wiped database: register it again rather than invalidating it.
      this.store.keys.insert(newId("key"), file.replace(".key", ""), role, hash(existing));
      return { path, created: false };
    }
    const { key } = this.create(file.replace(".key", ""), role);
    writePrivateFile(path, key + "\n");
    return { path, created: true };
  }
}

function hash(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}
