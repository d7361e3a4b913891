/**
 * `GET /auth/users`: users a page at a time, in creation order (ids are time-ordered),
 * with an opaque keyset cursor as the db queries have one, optionally narrowed to one email.
 */
import { invalid } from "../../../core/index.ts";
import type { Db } from "../store/index.ts";
import { DEFAULT_LIMIT, MAX_LIMIT } from "./document-query.ts";
import type { Row, User } from "./users.ts";

export interface UserListQuery {
  /** 1-1000 (default 100); a query string's digits are accepted. */
  limit?: unknown;
  /** `nextCursor` of the page before. */
  cursor?: unknown;
  /** Only the user with this email (compared lower-cased). */
  email?: unknown;
}

export interface UserPage {
  users: User[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

export function listUsers(
  db: Db,
  q: UserListQuery,
  toUser: (row: Row) => User,
  parseEmail: (value: unknown) => string,
): UserPage {
  const limit = parseLimit(q.limit);
  const where: string[] = [];
  const params: string[] = [];
  if (q.cursor !== undefined) {
    where.push("id > ?");
    params.push(decodeCursor(q.cursor));
  }
  if (q.email !== undefined) {
    where.push("email = ?");
    params.push(parseEmail(q.email));
  }
  const rows = db
    .prepare(
      `SELECT * FROM auth_users ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY id LIMIT ${limit + 1}`,
    )
    .all(...params) as Row[];
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    users: page.map(toUser),
    nextCursor: rows.length > limit && last ? Buffer.from(last.id).toString("base64url") : null,
  };
}

function parseLimit(value: unknown): number {
  if (value === undefined) return DEFAULT_LIMIT;
  const n = typeof value === "string" && /^\d{1,7}$/.test(value) ? Number(value) : value;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1 || n > MAX_LIMIT)
    throw invalid("limit", `must be an integer from 1 to ${MAX_LIMIT}`);
  return n;
}

function decodeCursor(value: unknown): string {
  const id = typeof value === "string" ? Buffer.from(value, "base64url").toString("utf8") : "";
  if (!/^usr_[0-9a-z]{1,64}$/.test(id)) throw invalid("cursor", "is not a cursor this list gave");
  return id;
}
