/**
 * Document queries: `where` filters, one `orderBy`, `limit` and a keyset `cursor`, turned
 * into one SQLite statement over `json_extract` (https://sqlite.org/json1.html). Values
 * compare with their JSON type (the string "5" never equals the number 5, true never
 * equals 1); objects and arrays compare by their JSON text.
 */
import { invalid } from "../../../core/index.ts";
import { jsonPath, parseFieldPath } from "./names.ts";

export const WHERE_OPS = ["==", "!=", "<", "<=", ">", ">=", "in", "array-contains"] as const;
export type WhereOp = (typeof WHERE_OPS)[number];

export interface WhereClause {
  field: string;
  op: WhereOp;
  value: unknown;
}

export interface DocumentQuery {
  where?: WhereClause[];
  /** `"field"`, `"field,desc"` or `{field, direction}`; default: by id, ascending. */
  orderBy?: string | { field: string; direction?: "asc" | "desc" };
  /** 1-1000, default 100. */
  limit?: number;
  /** `nextCursor` of the previous page (same `where` and `orderBy`). */
  cursor?: string;
}

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;

export type SqlValue = string | number | null;

/** A piece of SQL with its positional parameters, in order. */
interface Sql {
  sql: string;
  params: SqlValue[];
}

interface Order {
  field: string;
  desc: boolean;
}

interface CursorKey {
  /** The sort key of the last document of the page, as SQLite returned it. */
  v: SqlValue;
  i: string;
}

export interface CompiledQuery extends Sql {
  limit: number;
  /** The cursor that continues after a row (`id`, sort key `k`). */
  cursorAfter(row: { id: string; k: SqlValue }): string;
}

/** The conditions of a query (collection and `where`), for a SELECT or a DELETE. */
export function compileWhere(collection: string, where: WhereClause[] = []): Sql {
  if (!Array.isArray(where)) throw invalid("where", "must be a list of {field, op, value}");
  return join(
    [{ sql: "collection = ?", params: [collection] }, ...where.map((w, i) => whereSql(w, `where[${i}]`))],
    " AND ",
  );
}

/** A SELECT of `id, data, k` (the sort key) for one page: one row more than `limit`. */
export function compileQuery(collection: string, q: DocumentQuery): CompiledQuery {
  const order = parseOrder(q.orderBy);
  const limit = parseLimit(q.limit);
  const key = sortKey(order.field);
  const parts = [compileWhere(collection, q.where)];
  if (q.cursor !== undefined) parts.push(keysetSql(key, order.desc, decodeCursor(q.cursor, order)));
  const where = join(parts, " AND ");
  const dir = order.desc ? "DESC" : "ASC";
  return {
    sql: `SELECT id, data, ${key.sql} AS k FROM documents WHERE ${where.sql} ORDER BY k ${dir}, id ${dir} LIMIT ${limit + 1}`,
    params: [...key.params, ...where.params],
    limit,
    cursorAfter: (row) => encodeCursor(order, { v: row.k, i: row.id }),
  };
}

function join(parts: Sql[], separator: string): Sql {
  return { sql: parts.map((p) => p.sql).join(separator), params: parts.flatMap((p) => p.params) };
}

/** JSON values as SQLite sees them through json_extract: booleans are 1 and 0, objects JSON text. */
function sqlValue(value: unknown): SqlValue {
  if (value === null || typeof value === "string" || typeof value === "number") return value;
  if (typeof value === "boolean") return value ? 1 : 0;
  return JSON.stringify(value);
}

/** The json_type values a comparison with `value` may match. */
function jsonTypes(value: unknown): string {
  if (value === null) return "('null')";
  if (typeof value === "number") return "('integer', 'real')";
  if (typeof value === "string") return "('text')";
  if (typeof value === "boolean") return value ? "('true')" : "('false')";
  return Array.isArray(value) ? "('array')" : "('object')";
}

function whereSql(w: WhereClause, path: string): Sql {
  if (!w || typeof w !== "object") throw invalid(path, "must be {field, op, value}");
  const f = jsonPath(parseFieldPath(w.field, `${path}.field`));
  const { op, value } = w;
  if (!WHERE_OPS.includes(op)) throw invalid(`${path}.op`, `must be one of ${WHERE_OPS.join(" ")}`);
  if (value === undefined) throw invalid(`${path}.value`, "is required");
  switch (op) {
    case "==":
    case "!=": {
      const equal =
        value === null
          ? { sql: "json_type(data, ?) = 'null'", params: [f] }
          : {
              sql: `(json_type(data, ?) IN ${jsonTypes(value)} AND json_extract(data, ?) = ?)`,
              params: [f, f, sqlValue(value)],
            };
      if (op === "==") return equal;
      // Like Firestore: != matches documents that have the field, with any other value.
      return { sql: `(json_type(data, ?) IS NOT NULL AND NOT ${equal.sql})`, params: [f, ...equal.params] };
    }
    case "<":
    case "<=":
    case ">":
    case ">=":
      if (value === null || typeof value === "object")
        throw invalid(`${path}.value`, `${op} compares numbers, strings or booleans`);
      return {
        sql: `(json_type(data, ?) IN ${jsonTypes(value)} AND json_extract(data, ?) ${op} ?)`,
        params: [f, f, sqlValue(value)],
      };
    case "in":
      return inSql(f, value, `${path}.value`);
    case "array-contains":
      return {
        sql:
          `(json_type(data, ?) = 'array' AND EXISTS (SELECT 1 FROM json_each(data, ?) AS e ` +
          `WHERE e.type IN ${jsonTypes(value)} AND e.value IS ?))`,
        params: [f, f, sqlValue(value)],
      };
  }
}

/** `in`: a JSON array of 1-100 non-null values; the field's JSON type must match the value's. */
function inSql(f: string, value: unknown, path: string): Sql {
  if (!Array.isArray(value) || value.length === 0 || value.length > 100)
    throw invalid(path, "in needs a JSON array of 1-100 values");
  if (value.some((v) => v === null)) throw invalid(path, "in cannot match null: use == null");
  const kind = (t: string) => `CASE ${t} WHEN 'real' THEN 'integer' ELSE ${t} END`;
  return {
    sql:
      `EXISTS (SELECT 1 FROM json_each(?) AS q ` +
      `WHERE q.value = json_extract(data, ?) AND ${kind("q.type")} = ${kind("json_type(data, ?)")})`,
    params: [JSON.stringify(value), f, f, f], // kind() names json_type(data, ?) twice
  };
}

function parseOrder(orderBy: DocumentQuery["orderBy"]): Order {
  if (orderBy === undefined) return { field: "id", desc: false };
  const [field, direction] =
    typeof orderBy === "string" ? orderBy.trim().split(/[\s,]+/) : [orderBy?.field, orderBy?.direction];
  if (direction !== undefined && direction !== "asc" && direction !== "desc")
    throw invalid("orderBy", "direction must be asc or desc");
  parseFieldPath(field, "orderBy");
  return { field: field as string, desc: direction === "desc" };
}

export function parseLimit(limit: unknown): number {
  if (limit === undefined) return DEFAULT_LIMIT;
  if (typeof limit !== "number" || !Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT)
    throw invalid("limit", `must be an integer from 1 to ${MAX_LIMIT}`);
  return limit;
}

/** The sort key: the `id` column itself, or the field's value. */
function sortKey(field: string): Sql {
  if (field === "id") return { sql: "id", params: [] };
  return { sql: "json_extract(data, ?)", params: [jsonPath(field.split("."))] };
}

/**
 * Rows strictly after `after` in the order (key, id), both ascending or both descending.
 * SQLite sorts NULL first ascending and last descending, and compares values of different
 * types in the same order it sorts them, so only equal keys fall through to the id.
 */
function keysetSql(key: Sql, desc: boolean, after: CursorKey): Sql {
  const gt = desc ? "<" : ">";
  if (key.sql === "id") return { sql: `id ${gt} ?`, params: [after.i] };
  const k = key.sql;
  const p = key.params[0];
  if (after.v === null) {
    return desc
      ? { sql: `(${k} IS NULL AND id < ?)`, params: [p, after.i] }
      : { sql: `((${k} IS NULL AND id > ?) OR ${k} IS NOT NULL)`, params: [p, after.i, p] };
  }
  const strict = `${k} ${gt} ? OR (${k} = ? AND id ${gt} ?)`;
  return desc
    ? { sql: `(${strict} OR ${k} IS NULL)`, params: [p, after.v, p, after.v, after.i, p] }
    : { sql: `(${strict})`, params: [p, after.v, p, after.v, after.i] };
}

function encodeCursor(order: Order, key: CursorKey): string {
  return Buffer.from(JSON.stringify({ f: order.field, d: order.desc, ...key })).toString("base64url");
}

function decodeCursor(cursor: unknown, order: Order): CursorKey {
  let c: { f?: unknown; d?: unknown; v?: unknown; i?: unknown } | null = null;
  try {
    if (typeof cursor === "string") c = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch (err) {
    throw invalid("cursor", "is not a cursor this API returned", { reason: (err as Error).message });
  }
  const valid =
    c !== null &&
    typeof c === "object" &&
    typeof c.i === "string" &&
    (c.v === null || typeof c.v === "string" || typeof c.v === "number");
  if (!valid) throw invalid("cursor", "is not a cursor this API returned");
  if (c!.f !== order.field || c!.d !== order.desc) throw invalid("cursor", "belongs to a query with another orderBy");
  return { v: c!.v as SqlValue, i: c!.i as string };
}

/** `where=field,op,value` (repeatable), `orderBy=field[,desc]`, `limit`, `cursor` from a query string. */
export function parseQueryString(query: (name: string) => string[] | undefined): DocumentQuery {
  const one = (name: string) => query(name)?.at(-1);
  const limit = one("limit");
  const parsed: DocumentQuery = {
    where: (query("where") ?? []).map((w, i) => parseWhereParam(w, `where[${i}]`)),
    orderBy: one("orderBy"),
    cursor: one("cursor"),
  };
  if (limit !== undefined) {
    if (!/^\d+$/.test(limit)) throw invalid("limit", `must be an integer from 1 to ${MAX_LIMIT}`);
    parsed.limit = Number(limit);
  }
  return parsed;
}

/** `field,op,value`: the value is everything after the second comma, JSON-parsed when it parses. */
function parseWhereParam(param: string, path: string): WhereClause {
  const first = param.indexOf(",");
  const second = first < 0 ? -1 : param.indexOf(",", first + 1);
  if (second < 0) throw invalid(path, "must be field,op,value");
  const raw = param.slice(second + 1);
  let value: unknown = raw;
  try {
    value = JSON.parse(raw);
  } catch {
    // Not JSON: the value is the text itself (`where=status,==,active`).
  }
  return { field: param.slice(0, first), op: param.slice(first + 1, second) as WhereOp, value };
}
