/** API keys, stored as sha256 hashes; the plain key is shown once when created. */
import type { Db } from "./database.ts";
import { now } from "./database.ts";

/** `public`: a key end users' browsers may hold, for `POST /auth/users` and `POST /auth/login` only (http/auth.ts). */
export type Role = "admin" | "deployer" | "viewer" | "node" | "public";
export const ROLES: readonly Role[] = ["admin", "deployer", "viewer", "node", "public"];

export interface ApiKeyRow {
  id: string;
  name: string;
  role: Role;
  createdAt: string;
  lastUsed: string | null;
}

interface RawKey {
  id: string;
  name: string;
  role: Role;
  created_at: string;
  last_used: string | null;
}

const toRow = (r: RawKey): ApiKeyRow => ({
  id: r.id,
  name: r.name,
  role: r.role,
  createdAt: r.created_at,
  lastUsed: r.last_used,
});

export class KeyStore {
  constructor(private readonly db: Db) {}

  list(): ApiKeyRow[] {
    return (
      this.db
        .prepare("SELECT id, name, role, created_at, last_used FROM api_keys ORDER BY created_at")
        .all() as RawKey[]
    ).map(toRow);
  }

  byHash(hash: string): ApiKeyRow | undefined {
    const raw = this.db
      .prepare("SELECT id, name, role, created_at, last_used FROM api_keys WHERE hash = ?")
      .get(hash) as RawKey | undefined;
    return raw && toRow(raw);
  }

  insert(id: string, name: string, role: Role, hash: string): ApiKeyRow {
    this.db
      .prepare("INSERT INTO api_keys (id, name, role, hash, created_at) VALUES (?, ?, ?, ?, ?)")
      .run(id, name, role, hash, now());
    return this.byHash(hash)!;
  }

  delete(id: string): boolean {
    return this.db.prepare("DELETE FROM api_keys WHERE id = ?").run(id).changes > 0;
  }

  touch(id: string): void {
    this.db.prepare("UPDATE api_keys SET last_used = ? WHERE id = ?").run(now(), id);
  }
}
