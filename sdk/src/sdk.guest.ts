/**
 * `@bunbase/sdk`: the platform services user code calls, `db`, `storage`, `auth` and
 * `queue` (docs/sdk.md#sdk). Each call goes through the runtime's capability to the node's
 * host, which forwards it to the origin as this invocation's function (sdk-call.guest.ts).
 * Failures are thrown as a BunbaseError with the contract's `code`.
 */
import { asJson, callSdk, unlessMissing } from "./sdk-call.guest.ts";

export { BunbaseError } from "./sdk-call.guest.ts";
export { db, CollectionReference, DocumentReference, Query, type Document, type WhereOp } from "./sdk-db.guest.ts";
export { storage, BucketReference, FileReference, type StoredObject, type UploadData } from "./sdk-storage.guest.ts";

/** A session token's claims (`sub` is the user id, `email`, `iat`, `exp`). */
export type TokenClaims = Record<string, unknown> & {
  sub: string;
  email: string;
  iss: string;
  iat: number;
  exp: number;
};

export const auth = Object.freeze({
  /** `Bearer <token>` (an authorization header as it is) or a bare token -> its claims; throws FN_009 if invalid or expired. */
  verifyToken(authorizationOrToken: string | null | undefined): Promise<TokenClaims> {
    const token = typeof authorizationOrToken === "string" ? authorizationOrToken : undefined;
    return callSdk("auth", "verifyToken", { token }) as Promise<TokenClaims>;
  },
  /** `{email, password, ...profile}` -> the new user (publishes `auth.user.create`); FN_006 naming the field, 409 if the email is taken. */
  createUser(user: Record<string, unknown> & { email: string; password: string }): Promise<User> {
    return callSdk("auth", "createUser", { user: asJson(user) }) as Promise<User>;
  },
  /** The user (no secrets); throws FN_001 if there is none. */
  getUser(id: string): Promise<User> {
    return callSdk("auth", "getUser", { id }) as Promise<User>;
  },
  /** One page of users in creation order (`limit` 1-1000, default 100); `email` finds one user. */
  listUsers(options: { limit?: number; cursor?: string; email?: string } = {}): Promise<UserPage> {
    return callSdk("auth", "listUsers", asJson(options) as Record<string, unknown>) as Promise<UserPage>;
  },
  /** `{email?, password?, ...profile}`, the profile merged (RFC 7396: `null` removes a field): the user; FN_001 if none. */
  updateUser(id: string, patch: Record<string, unknown>): Promise<User> {
    return callSdk("auth", "updateUser", { id, patch: asJson(patch) }) as Promise<User>;
  },
  /** True if the user was deleted (its tokens stop verifying), false if there was none. */
  deleteUser(id: string): Promise<boolean> {
    return unlessMissing(
      callSdk("auth", "deleteUser", { id }).then(() => true),
      false,
    );
  },
});

/** A user as the services return it: never its password or hash. */
export type User = Record<string, unknown> & {
  id: string;
  email: string;
  createdAt: string;
  updatedAt: string;
  lastLoginAt: string | null;
};

export interface UserPage {
  users: User[];
  nextCursor: string | null;
}

/** A message: `{body, idempotencyKey?}`. */
export interface QueueMessage {
  body: unknown;
  idempotencyKey?: string;
}

/** `queue("emails").send({ body: {...} })` or `.send([m1, m2])` (1-1000 messages). */
export function queue(name: string) {
  return Object.freeze({
    name,
    send(messages: QueueMessage | QueueMessage[]): Promise<{ accepted: number; duplicates: number }> {
      const list = Array.isArray(messages) ? messages : [messages];
      return callSdk("queue", "send", {
        queue: name,
        messages: JSON.parse(JSON.stringify(list)) as unknown,
      }) as Promise<{
        accepted: number;
        duplicates: number;
      }>;
    },
  });
}
