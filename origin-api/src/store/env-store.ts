/**
 * Function variables and project-wide secrets as rows. Secret values arrive here already
 * encrypted (SecretVault); this layer never sees a plaintext secret.
 */
import type { Environment } from "../../../core/index.ts";
import type { Db } from "./database.ts";
import { now } from "./database.ts";

export interface Sealed {
  ciphertext: Buffer;
  iv: Buffer;
  tag: Buffer;
}

export interface EnvVarRow {
  functionId: string;
  environment: Environment;
  key: string;
  /** Plain value of a non-secret variable. */
  value: string | null;
  sealed: Sealed | null;
  secret: boolean;
  updatedAt: string;
}

export interface ProjectSecretRow {
  name: string;
  environment: Environment;
  sealed: Sealed;
  version: number;
  createdAt: string;
  updatedAt: string;
}

interface RawEnv {
  function_id: string;
  environment: Environment;
  key: string;
  value: string | null;
  ciphertext: Buffer | null;
  iv: Buffer | null;
  tag: Buffer | null;
  secret: number;
  updated_at: string;
}

interface RawSecret {
  name: string;
  environment: Environment;
  ciphertext: Buffer;
  iv: Buffer;
  tag: Buffer;
  version: number;
  created_at: string;
  updated_at: string;
}

const toEnv = (r: RawEnv): EnvVarRow => ({
  functionId: r.function_id,
  environment: r.environment,
  key: r.key,
  value: r.value,
  sealed: r.ciphertext && r.iv && r.tag ? { ciphertext: r.ciphertext, iv: r.iv, tag: r.tag } : null,
  secret: r.secret === 1,
  updatedAt: r.updated_at,
});

const toSecret = (r: RawSecret): ProjectSecretRow => ({
  name: r.name,
  environment: r.environment,
  sealed: { ciphertext: r.ciphertext, iv: r.iv, tag: r.tag },
  version: r.version,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export class EnvStore {
  constructor(private readonly db: Db) {}

  listVars(functionId: string, environment?: Environment): EnvVarRow[] {
    const rows = environment
      ? this.db
          .prepare("SELECT * FROM env_vars WHERE function_id = ? AND environment = ? ORDER BY key")
          .all(functionId, environment)
      : this.db.prepare("SELECT * FROM env_vars WHERE function_id = ? ORDER BY environment, key").all(functionId);
    return (rows as RawEnv[]).map(toEnv);
  }

  putVar(functionId: string, environment: Environment, key: string, value: string | null, sealed: Sealed | null): void {
    this.db
      .prepare(
        `INSERT INTO env_vars (function_id, environment, key, value, ciphertext, iv, tag, secret, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (function_id, environment, key) DO UPDATE SET value = excluded.value, ciphertext = excluded.ciphertext,
           iv = excluded.iv, tag = excluded.tag, secret = excluded.secret, updated_at = excluded.updated_at`,
      )
      .run(
        functionId,
        environment,
        key,
        value,
        sealed?.ciphertext ?? null,
        sealed?.iv ?? null,
        sealed?.tag ?? null,
        sealed ? 1 : 0,
        now(),
      );
  }

  deleteVar(functionId: string, environment: Environment, key: string): boolean {
    return (
      this.db
        .prepare("DELETE FROM env_vars WHERE function_id = ? AND environment = ? AND key = ?")
        .run(functionId, environment, key).changes > 0
    );
  }

  listSecrets(): ProjectSecretRow[] {
    return (this.db.prepare("SELECT * FROM project_secrets ORDER BY name, environment").all() as RawSecret[]).map(
      toSecret,
    );
  }

  getSecret(name: string, environment: Environment): ProjectSecretRow | undefined {
    const raw = this.db
      .prepare("SELECT * FROM project_secrets WHERE name = ? AND environment = ?")
      .get(name, environment) as RawSecret | undefined;
    return raw && toSecret(raw);
  }

  /** Inserts or replaces; the version grows by one on every write. */
  putSecret(name: string, environment: Environment, sealed: Sealed): ProjectSecretRow {
    const t = now();
    this.db
      .prepare(
        `INSERT INTO project_secrets (name, environment, ciphertext, iv, tag, version, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, 1, ?, ?)
         ON CONFLICT (name, environment) DO UPDATE SET ciphertext = excluded.ciphertext, iv = excluded.iv, tag = excluded.tag,
           version = project_secrets.version + 1, updated_at = excluded.updated_at`,
      )
      .run(name, environment, sealed.ciphertext, sealed.iv, sealed.tag, t, t);
    return this.getSecret(name, environment)!;
  }

  deleteSecret(name: string, environment?: Environment): number {
    return environment
      ? this.db.prepare("DELETE FROM project_secrets WHERE name = ? AND environment = ?").run(name, environment).changes
      : this.db.prepare("DELETE FROM project_secrets WHERE name = ?").run(name).changes;
  }
}
