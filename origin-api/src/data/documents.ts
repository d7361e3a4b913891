/**
 * `db`: JSON documents in named collections, one SQLite row each. Every write publishes
 * its `database.*` event (contract 2.6) in the same transaction, so the change and the
 * event commit or roll back together.
 */
import { BunbaseError, invalid, newId } from "../../../core/index.ts";
import type { EventSink } from "../events/types.ts";
import type { Store } from "../store/index.ts";
import {
  compileQuery,
  compileWhere,
  parseLimit,
  MAX_LIMIT,
  type DocumentQuery,
  type SqlValue,
} from "./document-query.ts";
import { isPlainObject, mergePatch } from "./merge-patch.ts";
import { parseResourceName } from "./names.ts";

export type Document = Record<string, unknown> & { id: string };

export interface DocumentPage {
  documents: Document[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

/** A serialized document may not exceed 1 MiB (as in Firestore). */
export const MAX_DOCUMENT_BYTES = 1024 * 1024;

interface Row {
  id: string;
  data: string;
}

export class Documents {
  constructor(
    private readonly store: Store,
    private readonly events: EventSink,
  ) {}

  /** Stores a new document; its `id` is generated unless given. 409 FN_006 when the id is taken. */
  create(collection: string, doc: unknown): Document {
    const name = parseResourceName(collection, "collection");
    const body = parseBody(doc);
    const id = body.id === undefined ? newId("doc") : parseResourceName(body.id, "id");
    const document = serialize({ ...body, id });
    return this.store.tx(() => {
      if (this.row(name, id))
        throw new BunbaseError("FN_006", `id: document ${id} already exists`, { status: 409, details: { path: "id" } });
      this.insert(name, id, document.json);
      this.publish("create", name, id, document.value);
      return document.value;
    });
  }

  get(collection: string, id: string): Document {
    const name = parseResourceName(collection, "collection");
    const row = this.row(name, parseResourceName(id, "id"));
    if (!row) throw notFound(name, id);
    return JSON.parse(row.data) as Document;
  }

  /** Replaces the document, or creates it (`created`). The body's `id`, if any, must be `id`. */
  replace(collection: string, id: string, doc: unknown): { document: Document; created: boolean } {
    const name = parseResourceName(collection, "collection");
    const docId = parseResourceName(id, "id");
    const body = parseBody(doc);
    if (body.id !== undefined && body.id !== docId) throw invalid("id", "differs from the id in the URL");
    const document = serialize({ ...body, id: docId });
    return this.store.tx(() => {
      const previous = this.row(name, docId);
      if (previous) this.overwrite(name, docId, document.json);
      else this.insert(name, docId, document.json);
      this.publish(previous ? "update" : "create", name, docId, document.value, previous);
      return { document: document.value, created: !previous };
    });
  }

  /** Merges `patch` into the document (JSON Merge Patch, RFC 7396). FN_001 when it does not exist. */
  update(collection: string, id: string, patch: unknown): Document {
    const name = parseResourceName(collection, "collection");
    const docId = parseResourceName(id, "id");
    const body = parseBody(patch);
    if (body.id !== undefined && body.id !== docId) throw invalid("id", "cannot be changed");
    return this.store.tx(() => {
      const previous = this.row(name, docId);
      if (!previous) throw notFound(name, docId);
      const merged = mergePatch(JSON.parse(previous.data), body) as Record<string, unknown>;
      const document = serialize({ ...merged, id: docId });
      this.overwrite(name, docId, document.json);
      this.publish("update", name, docId, document.value, previous);
      return document.value;
    });
  }

  /** Deletes the document; FN_001 when it does not exist. */
  delete(collection: string, id: string): void {
    const name = parseResourceName(collection, "collection");
    const docId = parseResourceName(id, "id");
    this.store.tx(() => {
      const previous = this.row(name, docId);
      if (!previous) throw notFound(name, docId);
      this.store.db.prepare("DELETE FROM documents WHERE collection = ? AND id = ?").run(name, docId);
      this.publish("delete", name, docId, null, previous);
    });
  }

  query(collection: string, q: DocumentQuery = {}): DocumentPage {
    const name = parseResourceName(collection, "collection");
    const compiled = compileQuery(name, q);
    const rows = this.store.db.prepare(compiled.sql).all(...compiled.params) as (Row & { k: SqlValue })[];
    const page = rows.slice(0, compiled.limit);
    return {
      documents: page.map((r) => JSON.parse(r.data) as Document),
      nextCursor: rows.length > compiled.limit ? compiled.cursorAfter(page[page.length - 1]) : null,
    };
  }

  /**
   * Deletes the documents `where` matches, at most `limit` (default and max 1000) in one
   * transaction, each with its event; `more` says whether matches remain.
   */
  deleteWhere(collection: string, q: Pick<DocumentQuery, "where" | "limit"> = {}): { deleted: number; more: boolean } {
    const name = parseResourceName(collection, "collection");
    const limit = q.limit === undefined ? MAX_LIMIT : parseLimit(q.limit);
    const where = compileWhere(name, q.where);
    return this.store.tx(() => {
      const rows = this.store.db
        .prepare(`SELECT id, data FROM documents WHERE ${where.sql} ORDER BY id LIMIT ${limit + 1}`)
        .all(...where.params) as Row[];
      const doomed = rows.slice(0, limit);
      const remove = this.store.db.prepare("DELETE FROM documents WHERE collection = ? AND id = ?");
      for (const row of doomed) {
        remove.run(name, row.id);
        this.publish("delete", name, row.id, null, row);
      }
      return { deleted: doomed.length, more: rows.length > limit };
    });
  }

  private row(collection: string, id: string): Row | undefined {
    return this.store.db
      .prepare("SELECT id, data FROM documents WHERE collection = ? AND id = ?")
      .get(collection, id) as Row | undefined;
  }

  private insert(collection: string, id: string, json: string): void {
    const at = new Date().toISOString();
    this.store.db
      .prepare("INSERT INTO documents (collection, id, data, created_at, updated_at) VALUES (?, ?, ?, ?, ?)")
      .run(collection, id, json, at, at);
  }

  private overwrite(collection: string, id: string, json: string): void {
    this.store.db
      .prepare("UPDATE documents SET data = ?, updated_at = ? WHERE collection = ? AND id = ?")
      .run(json, new Date().toISOString(), collection, id);
  }

  private publish(
    kind: "create" | "update" | "delete",
    collection: string,
    id: string,
    data: Document | null,
    previous?: Row,
  ): void {
    this.events.publish({
      type: `database.${kind}`,
      source: `/db/${collection}`,
      data,
      metadata: {
        collection,
        documentId: id,
        ...(previous ? { previous: JSON.parse(previous.data) as Document } : {}),
      },
    });
  }
}

function parseBody(doc: unknown): Record<string, unknown> {
  if (!isPlainObject(doc)) throw invalid("body", "a document is a JSON object");
  return doc;
}

function serialize(doc: Record<string, unknown>): { value: Document; json: string } {
  const json = JSON.stringify(doc);
  if (Buffer.byteLength(json) > MAX_DOCUMENT_BYTES)
    throw invalid("body", `a document may not exceed ${MAX_DOCUMENT_BYTES} bytes`, { limitBytes: MAX_DOCUMENT_BYTES });
  return { value: JSON.parse(json) as Document, json };
}

function notFound(collection: string, id: string): BunbaseError {
  return new BunbaseError("FN_001", `Document ${id} not found in ${collection}`, { details: { collection, id } });
}
