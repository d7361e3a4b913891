/**
 * `db` of `@bunbase/sdk`: documents in collections, Firestore-like.
 *
 *     const ref = await db.collection("profiles").create({ name: "Ada" });   // the stored document
 *     await db.collection("profiles").doc(ref.id).update({ city: "London" }); // JSON merge patch
 *     const adults = await db.collection("profiles").where("age", ">=", 18).orderBy("age", "desc").limit(20).get();
 */
import { asJson, callSdk, unlessMissing } from "./sdk-call.guest.ts";

export type Document = Record<string, unknown> & { id: string };
export type WhereOp = "==" | "!=" | "<" | "<=" | ">" | ">=" | "in" | "array-contains";

interface QueryState {
  where: { field: string; op: WhereOp; value: unknown }[];
  orderBy?: { field: string; direction: "asc" | "desc" };
  limit?: number;
  cursor?: string;
}

const call = (method: string, args: Record<string, unknown>) => callSdk("db", method, args);

/** An immutable query: each method returns a new one. */
export class Query {
  protected readonly collectionName: string;
  readonly #state: QueryState;

  constructor(collection: string, state: QueryState = { where: [] }) {
    this.collectionName = collection;
    this.#state = state;
  }

  where(field: string, op: WhereOp, value: unknown): Query {
    const clause = { field, op, value: asJson(value) };
    return new Query(this.collectionName, { ...this.#state, where: [...this.#state.where, clause] });
  }

  orderBy(field: string, direction: "asc" | "desc" = "asc"): Query {
    return new Query(this.collectionName, { ...this.#state, orderBy: { field, direction } });
  }

  /** 1-1000; default 100. */
  limit(n: number): Query {
    return new Query(this.collectionName, { ...this.#state, limit: n });
  }

  /** Continue after a page: the `nextCursor` of `page()`. */
  startAfter(cursor: string): Query {
    return new Query(this.collectionName, { ...this.#state, cursor });
  }

  /** The matching documents (one page: `limit` of them at most). */
  async get(): Promise<Document[]> {
    return (await this.page()).documents;
  }

  /** One page and the cursor of the next (`null` when none may follow). */
  page(): Promise<{ documents: Document[]; nextCursor: string | null }> {
    const { where, orderBy, limit, cursor } = this.#state;
    return call("query", { collection: this.collectionName, where, orderBy, limit, cursor }) as Promise<{
      documents: Document[];
      nextCursor: string | null;
    }>;
  }

  /** Deletes up to `limit` (default and max 1000) matches; repeat while `more`. Needs a where, or `{all: true}`. */
  delete(options: { all?: boolean } = {}): Promise<{ deleted: number; more: boolean }> {
    const { where, limit } = this.#state;
    const all = options.all === true ? true : undefined;
    return call("deleteWhere", { collection: this.collectionName, where, limit, all }) as Promise<{
      deleted: number;
      more: boolean;
    }>;
  }
}

export class CollectionReference extends Query {
  get name(): string {
    return this.collectionName;
  }

  doc(id: string): DocumentReference {
    return new DocumentReference(this.collectionName, id);
  }

  /** Stores a new document (`id` generated unless given; FN_006 if it exists) and resolves to it. */
  create(doc: Record<string, unknown>): Promise<Document> {
    return call("create", { collection: this.collectionName, doc: asJson(doc) }) as Promise<Document>;
  }
}

export class DocumentReference {
  constructor(
    readonly collection: string,
    readonly id: string,
  ) {}

  /** The document, or null when there is none. */
  get(): Promise<Document | null> {
    return unlessMissing(call("get", { collection: this.collection, id: this.id }) as Promise<Document>, null);
  }

  /** Replaces (or creates) the document. */
  set(doc: Record<string, unknown>): Promise<Document> {
    return call("set", { collection: this.collection, id: this.id, doc: asJson(doc) }) as Promise<Document>;
  }

  /** A JSON merge patch (RFC 7396): `null` removes a field. FN_001 when there is no document. */
  update(patch: Record<string, unknown>): Promise<Document> {
    return call("update", { collection: this.collection, id: this.id, patch: asJson(patch) }) as Promise<Document>;
  }

  /** True if it was deleted, false if there was none. */
  delete(): Promise<boolean> {
    return unlessMissing(
      call("delete", { collection: this.collection, id: this.id }).then(() => true),
      false,
    );
  }
}

export const db = Object.freeze({
  collection(name: string): CollectionReference {
    return new CollectionReference(name);
  },
});
