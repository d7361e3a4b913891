/** Immutable versions and which one is active per environment. */
import type { Environment } from "../../../core/index.ts";
import type { Db } from "./database.ts";
import { now } from "./database.ts";

export interface VersionRow {
  functionId: string;
  version: number;
  bundleHash: string;
  exportName: string;
  sizeBytes: number;
  config: Record<string, unknown>;
  environment: Environment;
  message: string | null;
  status: string;
  warnings: string[];
  createdAt: string;
}

export interface NewVersion {
  functionId: string;
  bundleHash: string;
  exportName: string;
  sizeBytes: number;
  config: object;
  environment: Environment;
  message: string | null;
  warnings: string[];
}

interface RawVersion {
  function_id: string;
  version: number;
  bundle_hash: string;
  export_name: string;
  size_bytes: number;
  config: string;
  environment: Environment;
  message: string | null;
  status: string;
  warnings: string;
  created_at: string;
}

const toRow = (r: RawVersion): VersionRow => ({
  functionId: r.function_id,
  version: r.version,
  bundleHash: r.bundle_hash,
  exportName: r.export_name,
  sizeBytes: r.size_bytes,
  config: JSON.parse(r.config) as Record<string, unknown>,
  environment: r.environment,
  message: r.message,
  status: r.status,
  warnings: JSON.parse(r.warnings) as string[],
  createdAt: r.created_at,
});

export class VersionStore {
  constructor(private readonly db: Db) {}

  list(functionId: string): VersionRow[] {
    return (
      this.db
        .prepare("SELECT * FROM versions WHERE function_id = ? ORDER BY version DESC")
        .all(functionId) as RawVersion[]
    ).map(toRow);
  }

  get(functionId: string, version: number): VersionRow | undefined {
    const raw = this.db
      .prepare("SELECT * FROM versions WHERE function_id = ? AND version = ?")
      .get(functionId, version) as RawVersion | undefined;
    return raw && toRow(raw);
  }

  /** Inserts the next version number of the function (call inside a transaction). */
  insert(v: NewVersion): VersionRow {
    const { next } = this.db
      .prepare("SELECT COALESCE(MAX(version), 0) + 1 AS next FROM versions WHERE function_id = ?")
      .get(v.functionId) as { next: number };
    this.db
      .prepare(
        `INSERT INTO versions (function_id, version, bundle_hash, export_name, size_bytes, config, environment, message, status, warnings, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'ready', ?, ?)`,
      )
      .run(
        v.functionId,
        next,
        v.bundleHash,
        v.exportName,
        v.sizeBytes,
        JSON.stringify(v.config),
        v.environment,
        v.message,
        JSON.stringify(v.warnings),
        now(),
      );
    return this.get(v.functionId, next)!;
  }

  /** `{prod: 3, staging: 4}` */
  active(functionId: string): Partial<Record<Environment, number>> {
    const rows = this.db
      .prepare("SELECT environment, version FROM active_versions WHERE function_id = ?")
      .all(functionId) as { environment: Environment; version: number }[];
    return Object.fromEntries(rows.map((r) => [r.environment, r.version]));
  }

  activeRow(functionId: string, environment: Environment): { version: number; previous: number | null } | undefined {
    const row = this.db
      .prepare("SELECT version, previous_version FROM active_versions WHERE function_id = ? AND environment = ?")
      .get(functionId, environment) as { version: number; previous_version: number | null } | undefined;
    return row && { version: row.version, previous: row.previous_version };
  }

  activate(functionId: string, environment: Environment, version: number, previous: number | null): void {
    this.db
      .prepare(
        `INSERT INTO active_versions (function_id, environment, version, previous_version, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (function_id, environment) DO UPDATE SET version = excluded.version,
           previous_version = excluded.previous_version, updated_at = excluded.updated_at`,
      )
      .run(functionId, environment, version, previous, now());
  }
}
