/**
 * The services behind the triggers (issue 7): `db`, `storage`, `auth` and `queue`, embedded
 * in the origin on its SQLite store. Every write hands its event to the injected EventSink
 * inside the write's own transaction. Routes (routes/data*.ts) and the SDK bridge call these.
 */
import { join } from "node:path";
import type { EventSink } from "../events/types.ts";
import type { Store } from "../store/index.ts";
import { Documents } from "./documents.ts";
import { MessageQueues } from "./queues.ts";
import { ObjectStorage } from "./storage.ts";
import { LoginThrottle } from "./login-throttle.ts";
import { deriveTokenKey, TokenSigner } from "./tokens.ts";
import { UserAccounts } from "./users.ts";

export interface DataServiceOptions {
  store: Store;
  /** Where the delivery engine takes the events (origin-api/src/events). */
  events: EventSink;
  /** The platform's master key: the token signing key is derived from it. */
  masterKey: Buffer;
  /** Files go under `<dataDir>/storage`. */
  dataDir: string;
}

export class DataServices {
  readonly db: Documents;
  readonly storage: ObjectStorage;
  readonly auth: UserAccounts;
  readonly queue: MessageQueues;

  constructor(
    private readonly o: DataServiceOptions,
    private readonly shared = {
      tokens: new TokenSigner(deriveTokenKey(o.masterKey)),
      logins: new LoginThrottle(),
    },
  ) {
    this.db = new Documents(o.store, o.events);
    this.storage = new ObjectStorage(o.store, o.events, join(o.dataDir, "storage"));
    this.auth = new UserAccounts(o.store, o.events, shared.tokens, shared.logins);
    this.queue = new MessageQueues(o.store, o.events);
  }

  /**
   * The same services acting for one function invocation (`/internal/sdk`): their events
   * carry that invocation's chain (recursive loop detection, docs/triggers.md#trigger-loops)
   * when the sink keeps chains, as the delivery engine does.
   */
  forInvocation(invocationId: string): DataServices {
    const events = this.o.events.forInvocation?.(invocationId);
    return events ? new DataServices({ ...this.o, events }, this.shared) : this;
  }
}

export { Documents, type Document, type DocumentPage, MAX_DOCUMENT_BYTES } from "./documents.ts";
export { WHERE_OPS, parseQueryString, type DocumentQuery, type WhereClause, type WhereOp } from "./document-query.ts";
export { ObjectStorage, type StoredObject, type ObjectBody, parseContentType } from "./storage.ts";
export { UserAccounts, type User, type UserPage } from "./users.ts";
export { LoginThrottle, type LoginThrottlePolicy } from "./login-throttle.ts";
export { MessageQueues, parseSendBody, type QueueMessage } from "./queues.ts";
export type { TokenClaims } from "./tokens.ts";
export { parseBucketName, parseResourceName } from "./names.ts";
export { parseObjectPath } from "./object-paths.ts";
