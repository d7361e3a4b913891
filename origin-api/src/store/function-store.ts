/** Functions (one live config each) and the revision counter edge nodes follow. */
import type { Db } from "./database.ts";
import { now } from "./database.ts";
import { STATS_TABLES } from "./invocation-stats-store.ts";

export interface FunctionRow {
  id: string;
  name: string;
  config: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

interface RawFunction {
  id: string;
  name: string;
  config: string;
  created_at: string;
  updated_at: string;
}

const toRow = (r: RawFunction): FunctionRow => ({
  id: r.id,
  name: r.name,
  config: JSON.parse(r.config) as Record<string, unknown>,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export class FunctionStore {
  constructor(private readonly db: Db) {}

  list(): FunctionRow[] {
    return (this.db.prepare("SELECT * FROM functions ORDER BY name").all() as RawFunction[]).map(toRow);
  }

  /** By id or by name (`:id` accepts both). */
  find(idOrName: string): FunctionRow | undefined {
    const raw = this.db.prepare("SELECT * FROM functions WHERE id = ? OR name = ?").get(idOrName, idOrName) as
      RawFunction | undefined;
    return raw && toRow(raw);
  }

  insert(id: string, name: string, config: object): FunctionRow {
    const t = now();
    this.db
      .prepare("INSERT INTO functions (id, name, config, created_at, updated_at) VALUES (?, ?, ?, ?, ?)")
      .run(id, name, JSON.stringify(config), t, t);
    return this.find(id)!;
  }

  update(id: string, name: string, config: object): FunctionRow {
    this.db
      .prepare("UPDATE functions SET name = ?, config = ?, updated_at = ? WHERE id = ?")
      .run(name, JSON.stringify(config), now(), id);
    return this.find(id)!;
  }

  /** Removes the function and everything recorded about it. */
  delete(id: string): void {
    this.db.prepare("DELETE FROM functions WHERE id = ?").run(id);
    for (const table of STATS_TABLES) this.db.prepare(`DELETE FROM ${table} WHERE function_id = ?`).run(id);
    this.db.prepare("DELETE FROM logs WHERE function_id = ?").run(id);
  }

  revision(): number {
    return (this.db.prepare("SELECT value FROM meta WHERE key = 'revision'").get() as { value: number }).value;
  }

  bumpRevision(): number {
    this.db.prepare("UPDATE meta SET value = value + 1 WHERE key = 'revision'").run();
    return this.revision();
  }
}
