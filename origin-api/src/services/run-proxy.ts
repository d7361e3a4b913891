/**
 * `/internal/run/<path>`: an edge node's request for an origin-placed function, passed to
 * the runner (`/__bunbase/run/<path>`), which runs it in a container; bodies stream both
 * ways. The edge authenticates with its node key and carries the client's own
 * `authorization` in `x-bunbase-client-authorization`, which goes back in place here.
 */
import { Readable } from "node:stream";
import type { Context } from "hono";
import { request } from "undici";
import { BunbaseError, HOP_BY_HOP_HEADERS, INTERNAL_HEADERS } from "../../../core/index.ts";
import type { AppEnv } from "../http/app-env.ts";
import type { Runner } from "./runner.ts";

export const CLIENT_AUTHORIZATION = "x-bunbase-client-authorization";
const PREFIX = "/internal/run";

export async function proxyToRunner(c: Context<AppEnv>, runner: Runner): Promise<Response> {
  const url = new URL(c.req.url);
  const headers: Record<string, string> = {};
  for (const [name, value] of c.req.raw.headers) {
    if (HOP_BY_HOP_HEADERS.has(name) || name === "authorization" || name === INTERNAL_HEADERS.token) continue;
    if (name === CLIENT_AUTHORIZATION) headers.authorization = value;
    else headers[name] = value;
  }
  headers[INTERNAL_HEADERS.token] = runner.token;
  const method = c.req.method;
  const body =
    method === "GET" || method === "HEAD" || !c.req.raw.body ? null : Readable.fromWeb(c.req.raw.body as never);
  let answer: Awaited<ReturnType<typeof request>>;
  try {
    const base = await runner.ready(10_000);
    answer = await request(new URL(`/__bunbase/run${url.pathname.slice(PREFIX.length) || "/"}${url.search}`, base), {
      method: method as "GET",
      headers,
      body,
      signal: c.req.raw.signal,
      // The function's own timeout (up to 900 s) rules; the runner answers FN_002 itself.
      headersTimeout: 960_000,
      bodyTimeout: 0,
    });
  } catch (err) {
    if (err instanceof BunbaseError) throw err;
    runner.markUnreachable();
    throw new BunbaseError("FN_004", "The origin's runner could not be reached", { cause: err });
  }
  const out = new Headers();
  for (const [name, value] of Object.entries(answer.headers)) {
    if (value === undefined || HOP_BY_HOP_HEADERS.has(name)) continue;
    for (const v of Array.isArray(value) ? value : [value]) out.append(name, v);
  }
  const stream = method === "HEAD" ? null : (Readable.toWeb(answer.body) as ReadableStream<Uint8Array>);
  return new Response(stream, { status: answer.statusCode, headers: out });
}
