/**
 * `functions test --event <file>`: what the file describes, turned into the isolate's
 * invocation input. A `type` field makes it an Event (contract 2.6, missing fields
 * filled in); anything else is an HTTP request (`method`, `path`, `headers`, `query`,
 * `body`; an object body is sent as JSON).
 */
import { randomUUID } from "node:crypto";
import { UsageError } from "./command.ts";

export interface LocalEvent extends Record<string, unknown> {
  id: string;
  type: string;
  source: string;
  time: string;
  data: unknown;
  metadata: Record<string, unknown>;
}

export type LocalInvocation =
  | { kind: "event"; event: LocalEvent }
  | { kind: "http"; method: string; url: string; headers: [string, string][]; body: Uint8Array | null };

/** The origin the local request appears to come to (the default edge address). */
export const LOCAL_ORIGIN = "http://127.0.0.1:8787";

type Json = Record<string, unknown>;

export function invocationFromFile(file: unknown, options: { defaultPath: string; now?: Date }): LocalInvocation {
  if (!file || typeof file !== "object" || Array.isArray(file))
    throw new UsageError("the event file must hold a JSON object");
  const f = file as Json;
  return "type" in f
    ? { kind: "event", event: eventFrom(f, options.now ?? new Date()) }
    : httpFrom(f, options.defaultPath);
}

function eventFrom(f: Json, now: Date): LocalEvent {
  if (typeof f.type !== "string" || !f.type) throw new UsageError("event file: type must be a non-empty string");
  const metadata = f.metadata && typeof f.metadata === "object" ? (f.metadata as Json) : {};
  return {
    id: typeof f.id === "string" ? f.id : randomUUID(),
    type: f.type,
    source: typeof f.source === "string" ? f.source : "bunbase://local/test",
    time: typeof f.time === "string" ? f.time : now.toISOString(),
    data: f.data ?? null,
    metadata: { attempt: 1, ...metadata },
  };
}

function httpFrom(f: Json, defaultPath: string): LocalInvocation {
  const path = typeof f.path === "string" ? f.path : defaultPath;
  if (!path.startsWith("/")) throw new UsageError(`event file: path must start with "/", got ${JSON.stringify(path)}`);
  const url = new URL(path, LOCAL_ORIGIN);
  if (f.query && typeof f.query === "object") {
    for (const [k, v] of Object.entries(f.query as Json)) {
      for (const item of Array.isArray(v) ? v : [v]) url.searchParams.append(k, String(item));
    }
  }
  const headers = headerPairs(f.headers);
  const { body, contentType } = encodeBody(f.body);
  if (contentType && !headers.some(([k]) => k === "content-type")) headers.push(["content-type", contentType]);
  const method = typeof f.method === "string" ? f.method.toUpperCase() : body ? "POST" : "GET";
  if ((method === "GET" || method === "HEAD") && body)
    throw new UsageError(`event file: a ${method} request cannot have a body`);
  return { kind: "http", method, url: url.href, headers, body };
}

function headerPairs(value: unknown): [string, string][] {
  if (value === undefined || value === null) return [];
  if (typeof value !== "object" || Array.isArray(value)) throw new UsageError("event file: headers must be an object");
  const pairs: [string, string][] = [];
  for (const [k, v] of Object.entries(value as Json)) {
    for (const item of Array.isArray(v) ? v : [v]) pairs.push([k.toLowerCase(), String(item)]);
  }
  return pairs;
}

function encodeBody(value: unknown): { body: Uint8Array | null; contentType?: string } {
  if (value === undefined || value === null) return { body: null };
  if (typeof value === "string")
    return { body: new TextEncoder().encode(value), contentType: "text/plain;charset=UTF-8" };
  return { body: new TextEncoder().encode(JSON.stringify(value)), contentType: "application/json" };
}

const SECRET_REF = /\$\{secrets\.([A-Za-z_][A-Za-z0-9_]*)\}/g;

export interface LocalEnv {
  values: Record<string, string>;
  /** Variables left out because a `${secrets.X}` they use has no BUNBASE_SECRET_X here. */
  unresolved: { key: string; secrets: string[] }[];
}

/** The config's `environment` as it can be resolved on this machine. */
export function resolveLocalEnv(
  environment: Record<string, string>,
  hostEnv: NodeJS.ProcessEnv = process.env,
): LocalEnv {
  const values: Record<string, string> = {};
  const unresolved: LocalEnv["unresolved"] = [];
  for (const [key, raw] of Object.entries(environment)) {
    const missing = [...raw.matchAll(SECRET_REF)]
      .map((m) => m[1])
      .filter((s) => hostEnv[`BUNBASE_SECRET_${s}`] === undefined);
    if (missing.length > 0) unresolved.push({ key, secrets: [...new Set(missing)] });
    else values[key] = raw.replace(SECRET_REF, (_, s: string) => hostEnv[`BUNBASE_SECRET_${s}`] ?? "");
  }
  return { values, unresolved };
}
