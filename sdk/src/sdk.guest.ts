/**
 * `@bunbase/sdk`: the platform services user code calls, `db`, `storage`, `auth` and
 * `queue` (docs/sdk.md#sdk). Each call goes through the runtime's capability to the node's
 * host, which forwards it to the origin as this invocation's function (sdk-call.guest.ts).
 * Failures are thrown as a BunbaseError with the contract's `code`.
 */
import { callSdk } from "./sdk-call.guest.ts";

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
  /** The user (no secrets); throws FN_001 if there is none. */
  getUser(id: string): Promise<Record<string, unknown> & { id: string; email: string }> {
    return callSdk("auth", "getUser", { id }) as Promise<Record<string, unknown> & { id: string; email: string }>;
  },
});

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
