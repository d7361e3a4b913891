/**
 * `auth`: users with an email and a scrypt-hashed password, and login that returns a
 * session JWT. Password hashes never leave this file. Publishes `auth.user.create` and
 * `auth.login` (contract 2.6) in the same transaction as the write; the contract has no
 * event for an update or a deletion, so those publish none. Listing: user-list.ts.
 */
import { BunbaseError, invalid, newId } from "../../../core/index.ts";
import type { EventSink } from "../events/types.ts";
import type { Store } from "../store/index.ts";
import type { LoginThrottle } from "./login-throttle.ts";
import { isPlainObject, mergePatch } from "./merge-patch.ts";
import { DECOY_HASH, hashPassword, verifyPassword } from "./passwords.ts";
import type { TokenClaims, TokenSigner } from "./tokens.ts";
import { listUsers, type UserListQuery, type UserPage } from "./user-list.ts";

export type { UserListQuery, UserPage } from "./user-list.ts";

/** A user as every response and event shows it: the profile fields flat beside these. */
export type User = Record<string, unknown> & {
  id: string;
  email: string;
  createdAt: string;
  updatedAt: string;
  lastLoginAt: string | null;
};

export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 1024;
export const MAX_PROFILE_BYTES = 64 * 1024;
const RESERVED = new Set(["id", "email", "password", "passwordHash", "createdAt", "updatedAt", "lastLoginAt"]);
const EMAIL = /^[^\s@]+@[^\s@]+$/;

export interface Row {
  id: string;
  email: string;
  password_hash: string;
  profile: string;
  created_at: string;
  updated_at: string;
  last_login_at: string | null;
}

export class UserAccounts {
  constructor(
    private readonly store: Store,
    private readonly events: EventSink,
    private readonly tokens: TokenSigner,
    private readonly logins: LoginThrottle,
  ) {}

  /** `{email, password, ...profile}` -> the user. 409 FN_006 (`details.path` "email") when the email is taken. */
  async create(input: unknown): Promise<User> {
    if (!isPlainObject(input)) throw invalid("body", "must be a JSON object");
    const { email: rawEmail, password, ...profile } = input;
    const email = parseEmail(rawEmail);
    parsePassword(password);
    const profileJson = parseProfile(profile);
    if (this.byEmail(email)) throw emailTaken();
    const hash = await hashPassword(password as string);
    const at = new Date().toISOString();
    const row: Row = {
      id: newId("usr"),
      email,
      password_hash: hash,
      profile: profileJson,
      created_at: at,
      updated_at: at,
      last_login_at: null,
    };
    return this.store.tx(() => {
      if (this.byEmail(email)) throw emailTaken(); // taken while we hashed
      this.store.db
        .prepare(
          `INSERT INTO auth_users (id, email, password_hash, profile, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
        )
        .run(row.id, row.email, row.password_hash, row.profile, row.created_at, row.updated_at);
      const user = toUser(row);
      this.events.publish({ type: "auth.user.create", source: "/auth", data: user, metadata: { userId: user.id } });
      return user;
    });
  }

  /** The user; FN_001 when unknown. */
  get(id: string): User {
    return toUser(this.existing(id));
  }

  /** Users in creation order, `limit` (1-1000, default 100) a page, optionally the one with `email`. */
  list(q: UserListQuery = {}): UserPage {
    return listUsers(this.store.db, q, toUser, parseEmail);
  }

  /**
   * `{email?, password?, ...profile}`: a new email (409 when another user has it), a new
   * password, and the profile merged as JSON Merge Patch (RFC 7396: `null` removes a field).
   * FN_001 when the user is unknown. Sessions already issued stay valid until they expire.
   */
  async update(id: string, input: unknown): Promise<User> {
    if (!isPlainObject(input)) throw invalid("body", "must be a JSON object");
    const { email: rawEmail, password, ...patch } = input;
    for (const key of Object.keys(patch))
      if (RESERVED.has(key)) throw invalid(key, "is reserved and cannot be set on a user");
    const email = rawEmail === undefined ? undefined : parseEmail(rawEmail);
    if (password !== undefined) parsePassword(password);
    const hash = password === undefined ? undefined : await hashPassword(password as string);
    return this.store.tx(() => {
      const row = this.existing(id);
      if (email !== undefined && email !== row.email && this.byEmail(email)) throw emailTaken();
      const profile = mergePatch(JSON.parse(row.profile), patch) as Record<string, unknown>;
      const next: Row = {
        ...row,
        email: email ?? row.email,
        password_hash: hash ?? row.password_hash,
        profile: parseProfile(profile),
        updated_at: new Date().toISOString(),
      };
      this.store.db
        .prepare("UPDATE auth_users SET email = ?, password_hash = ?, profile = ?, updated_at = ? WHERE id = ?")
        .run(next.email, next.password_hash, next.profile, next.updated_at, id);
      if (next.email !== row.email) this.logins.forget(row.email);
      return toUser(next);
    });
  }

  /** Removes the user: its email is free again and its session tokens stop verifying. FN_001 when unknown. */
  delete(id: string): void {
    const row = this.store.tx(() => {
      const found = this.existing(id);
      this.store.db.prepare("DELETE FROM auth_users WHERE id = ?").run(id);
      return found;
    });
    this.logins.forget(row.email);
  }

  /**
   * `{email, password}` -> a session token and the user; 401 FN_009, the same for an unknown
   * email and a wrong password; 429 FN_007 once an email has too many failures (login-throttle.ts).
   */
  async login(input: unknown): Promise<{ token: string; user: User }> {
    const body = isPlainObject(input) ? input : {};
    const email = typeof body.email === "string" ? body.email.trim().toLowerCase() : "";
    const password = typeof body.password === "string" ? body.password : "";
    this.logins.begin(email);
    const row = email ? this.byEmail(email) : undefined;
    const ok = await verifyPassword(password, row?.password_hash ?? DECOY_HASH);
    if (!row || !ok) throw new BunbaseError("FN_009", "Invalid email or password", { status: 401 });
    this.logins.succeeded(email);
    const user = this.store.tx(() => {
      const at = new Date().toISOString();
      this.store.db.prepare("UPDATE auth_users SET last_login_at = ? WHERE id = ?").run(at, row.id);
      const current = toUser({ ...row, last_login_at: at });
      this.events.publish({ type: "auth.login", source: "/auth", data: current, metadata: { userId: current.id } });
      return current;
    });
    return { token: await this.tokens.sign(user), user };
  }

  /** `Bearer <token>` or a bare token of a user that still exists -> its claims (`sub` is the user id); 401 FN_009 otherwise. */
  async verifyToken(authorizationOrToken: string | null | undefined): Promise<TokenClaims> {
    const claims = await this.tokens.verify(authorizationOrToken);
    if (!this.store.db.prepare("SELECT 1 FROM auth_users WHERE id = ?").get(claims.sub))
      throw new BunbaseError("FN_009", "Invalid token: its user no longer exists", { status: 401 });
    return claims;
  }

  private existing(id: string): Row {
    const row = this.store.db.prepare("SELECT * FROM auth_users WHERE id = ?").get(id) as Row | undefined;
    if (!row) throw new BunbaseError("FN_001", `User ${id} not found`, { details: { id } });
    return row;
  }

  private byEmail(email: string): Row | undefined {
    return this.store.db.prepare("SELECT * FROM auth_users WHERE email = ?").get(email) as Row | undefined;
  }
}

function parseEmail(value: unknown): string {
  const email = typeof value === "string" ? value.trim().toLowerCase() : "";
  if (!EMAIL.test(email) || email.length > 254) throw invalid("email", "must be an email address");
  return email;
}

function parsePassword(value: unknown): void {
  if (typeof value !== "string" || value.length < MIN_PASSWORD_LENGTH || value.length > MAX_PASSWORD_LENGTH)
    throw invalid("password", `must be a string of ${MIN_PASSWORD_LENGTH}-${MAX_PASSWORD_LENGTH} characters`);
}

function parseProfile(profile: Record<string, unknown>): string {
  for (const key of Object.keys(profile))
    if (RESERVED.has(key)) throw invalid(key, "is reserved and cannot be set on a user");
  const json = JSON.stringify(profile);
  if (Buffer.byteLength(json) > MAX_PROFILE_BYTES)
    throw invalid("body", `the profile may not exceed ${MAX_PROFILE_BYTES} bytes`);
  return json;
}

function emailTaken(): BunbaseError {
  return new BunbaseError("FN_006", "email: a user with this email already exists", {
    status: 409,
    details: { path: "email" },
  });
}

function toUser(r: Pick<Row, "id" | "email" | "profile" | "created_at" | "updated_at" | "last_login_at">): User {
  return {
    ...(JSON.parse(r.profile) as Record<string, unknown>),
    id: r.id,
    email: r.email,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    lastLoginAt: r.last_login_at,
  };
}
