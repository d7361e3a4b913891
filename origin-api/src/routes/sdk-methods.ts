/**
 * What `@bunbase/sdk` may call through `POST /internal/sdk` (routes/sdk.ts): per service,
 * per method, the fields its `args` may hold and what it runs on the DataServices. Every
 * field is checked (an unknown one is FN_006 naming it); names, paths, documents and
 * queries are then checked by the services exactly as the REST routes have them checked.
 */
import { invalid } from "../../../core/index.ts";
import { parseSendBody, type DataServices, type DocumentQuery } from "../data/index.ts";

type Args = Record<string, unknown>;
interface Method {
  /** Fields `args` may hold; those without `?` are required. */
  fields: string[];
  run(data: DataServices, args: Args): unknown;
}

const db: Record<string, Method> = {
  create: { fields: ["collection", "doc"], run: (d, a) => d.db.create(text(a, "collection"), a.doc) },
  get: { fields: ["collection", "id"], run: (d, a) => d.db.get(text(a, "collection"), text(a, "id")) },
  set: {
    fields: ["collection", "id", "doc"],
    run: (d, a) => d.db.replace(text(a, "collection"), text(a, "id"), a.doc).document,
  },
  update: {
    fields: ["collection", "id", "patch"],
    run: (d, a) => d.db.update(text(a, "collection"), text(a, "id"), a.patch),
  },
  delete: {
    fields: ["collection", "id"],
    run: (d, a) => (d.db.delete(text(a, "collection"), text(a, "id")), null),
  },
  query: {
    fields: ["collection", "where?", "orderBy?", "limit?", "cursor?"],
    run: (d, a) =>
      d.db.query(text(a, "collection"), {
        where: a.where as DocumentQuery["where"],
        orderBy: a.orderBy as DocumentQuery["orderBy"],
        limit: a.limit as number | undefined,
        cursor: a.cursor === undefined ? undefined : text(a, "cursor"),
      }),
  },
  deleteWhere: {
    fields: ["collection", "where?", "limit?", "all?"],
    run: (d, a) => {
      const where = (a.where ?? []) as DocumentQuery["where"];
      if (Array.isArray(where) && where.length === 0 && a.all !== true)
        throw invalid("where", "a bulk delete needs a where filter, or all: true to empty the collection");
      return d.db.deleteWhere(text(a, "collection"), { where, limit: a.limit as number | undefined });
    },
  },
};

const storage: Record<string, Method> = {
  exists: {
    fields: ["bucket", "path"],
    run: (d, a) => d.storage.find(text(a, "bucket"), text(a, "path")) !== undefined,
  },
  stat: { fields: ["bucket", "path"], run: (d, a) => d.storage.stat(text(a, "bucket"), text(a, "path")) },
  delete: { fields: ["bucket", "path"], run: (d, a) => d.storage.delete(text(a, "bucket"), text(a, "path")) },
  list: {
    fields: ["bucket", "prefix?", "limit?", "cursor?"],
    run: (d, a) =>
      d.storage.list(text(a, "bucket"), {
        prefix: a.prefix === undefined ? undefined : text(a, "prefix"),
        limit: a.limit as number | undefined,
        cursor: a.cursor === undefined ? undefined : text(a, "cursor"),
      }),
  },
};

const auth: Record<string, Method> = {
  verifyToken: {
    fields: ["token?"],
    run: (d, a) => d.auth.verifyToken(typeof a.token === "string" ? a.token : null),
  },
  createUser: { fields: ["user"], run: (d, a) => d.auth.create(a.user) },
  getUser: { fields: ["id"], run: (d, a) => d.auth.get(text(a, "id")) },
  listUsers: {
    fields: ["limit?", "cursor?", "email?"],
    run: (d, a) => d.auth.list({ limit: a.limit, cursor: a.cursor, email: a.email }),
  },
  updateUser: { fields: ["id", "patch"], run: (d, a) => d.auth.update(text(a, "id"), a.patch) },
  deleteUser: { fields: ["id"], run: (d, a) => (d.auth.delete(text(a, "id")), null) },
};

const queue: Record<string, Method> = {
  send: {
    fields: ["queue", "messages"],
    run: (d, a) => d.queue.send(text(a, "queue"), parseSendBody({ messages: a.messages })),
  },
};

export const SDK_METHODS: Record<string, Record<string, Method>> = { db, storage, auth, queue };

/** The method `{service, method, args}` names, run on `data`; FN_006 for anything else. */
export function runSdkCall(data: DataServices, call: Record<string, unknown>): unknown {
  const extra = Object.keys(call).find((k) => k !== "service" && k !== "method" && k !== "args");
  if (extra !== undefined) throw invalid(extra, "unknown field: a call is {service, method, args}");
  const { service, method, args } = call;
  const methods = typeof service === "string" && Object.hasOwn(SDK_METHODS, service) ? SDK_METHODS[service] : null;
  if (methods === null) throw invalid("service", `must be one of ${Object.keys(SDK_METHODS).join(", ")}`);
  const spec = typeof method === "string" && Object.hasOwn(methods, method) ? methods[method] : null;
  if (spec === null) throw invalid("method", `${String(service)} has no method ${String(method).slice(0, 64)}`);
  if (typeof args !== "object" || args === null || Array.isArray(args)) throw invalid("args", "must be an object");
  const given = args as Args;
  const allowed = new Set(spec.fields.map((f) => f.replace(/\?$/, "")));
  for (const key of Object.keys(given)) if (!allowed.has(key)) throw invalid(`args.${key}`, "unknown field");
  for (const field of spec.fields)
    if (!field.endsWith("?") && given[field] === undefined) throw invalid(`args.${field}`, "is required");
  return spec.run(data, given);
}

function text(args: Args, name: string): string {
  const value = args[name];
  if (typeof value !== "string") throw invalid(name, "must be a string");
  return value;
}
