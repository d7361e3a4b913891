/** The services' routes (routes/data*.ts) in the OpenAPI document (openapi-spec.ts). `*` is the object path. */
export const DATA_OPS: {
  method: "get" | "post" | "put" | "patch" | "delete";
  path: string;
  summary: string;
  tag: string;
  ok: number;
  query?: string[];
}[] = [
  {
    method: "post",
    path: "/db/{collection}",
    summary: "Create a document (id generated unless given)",
    tag: "db",
    ok: 201,
  },
  {
    method: "get",
    path: "/db/{collection}",
    summary: "Query documents: where=field,op,value (repeatable), orderBy=field[,desc], limit, cursor",
    tag: "db",
    ok: 200,
    query: ["where", "orderBy", "limit", "cursor"],
  },
  {
    method: "delete",
    path: "/db/{collection}",
    summary: "Delete the documents a where filter matches (up to limit, default 1000)",
    tag: "db",
    ok: 200,
    query: ["where", "limit", "all"],
  },
  { method: "get", path: "/db/{collection}/{id}", summary: "A document", tag: "db", ok: 200 },
  { method: "put", path: "/db/{collection}/{id}", summary: "Replace or create a document", tag: "db", ok: 200 },
  {
    method: "patch",
    path: "/db/{collection}/{id}",
    summary: "Merge into a document (JSON Merge Patch, RFC 7396)",
    tag: "db",
    ok: 200,
  },
  { method: "delete", path: "/db/{collection}/{id}", summary: "Delete a document", tag: "db", ok: 204 },
  {
    method: "get",
    path: "/storage/{bucket}",
    summary: "List a bucket's objects",
    tag: "storage",
    ok: 200,
    query: ["prefix", "limit", "cursor"],
  },
  {
    method: "put",
    path: "/storage/{bucket}/*",
    summary: "Upload an object (raw body, content-type kept)",
    tag: "storage",
    ok: 201,
  },
  {
    method: "get",
    path: "/storage/{bucket}/*",
    summary: "Download an object (HEAD: its headers only)",
    tag: "storage",
    ok: 200,
  },
  { method: "delete", path: "/storage/{bucket}/*", summary: "Delete an object", tag: "storage", ok: 204 },
  { method: "post", path: "/auth/users", summary: "Create a user {email, password, ...profile}", tag: "auth", ok: 201 },
  { method: "post", path: "/auth/login", summary: "Log in: {token, user}", tag: "auth", ok: 200 },
  {
    method: "post",
    path: "/queues/{name}/messages",
    summary: "Send messages to a queue",
    tag: "queues",
    ok: 202,
  },
];
