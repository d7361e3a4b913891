/** `POST /functions/:id/invoke` (contract 2.3) and async invocation status. */
import { Hono } from "hono";
import { invalid } from "../../../core/index.ts";
import type { AppEnv } from "../http/app-env.ts";
import { parseEnvironment } from "../services/environments.ts";
import type { Services } from "../services/index.ts";
import { buildEvent, parseEventType, type InvokeInput } from "../services/invoker.ts";

const OWN_PARAMS = ["version", "environment", "async", "event"];

export function invokeRoutes(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.post("/functions/:id/invoke", async (c) => {
    const fn = s.functions.get(c.req.param("id"));
    const url = new URL(c.req.url);
    const q = url.searchParams;
    const input: InvokeInput = {
      environment: parseEnvironment(q.get("environment") ?? undefined),
      version: parseVersion(q.get("version")),
      eventType: q.has("event") ? parseEventType(q.get("event") ?? "") : undefined,
      contentType: c.req.header("content-type"),
      body: new Uint8Array(await c.req.arrayBuffer()),
      query: forwardedQuery(url),
    };
    if (input.body?.byteLength === 0) input.body = null;
    if (input.eventType) buildEvent("check", input.eventType, input.body, 1); // refuse bad JSON now, not in the background
    if (q.get("async") === "1" || q.get("async") === "true") {
      s.invoker.pinHeaders(fn, input); // the answer a synchronous call would give, before anything is queued
      return c.json({ invocationId: s.asyncInvocations.enqueue(fn.id, input) }, 202);
    }
    return s.invoker.invoke(fn, input, c.req.raw.signal);
  });

  app.get("/functions/:id/invocations/:invocationId", (c) => {
    const fn = s.functions.get(c.req.param("id"));
    return c.json(s.asyncInvocations.view(fn.id, c.req.param("invocationId")));
  });

  return app;
}

function parseVersion(value: string | null): number | undefined {
  if (value === null || value === "") return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw invalid("version", "must be a positive integer");
  return n;
}

/** The caller's query minus the API's own parameters: the handler sees `?page=2`, not `?async=1`. */
function forwardedQuery(url: URL): string {
  const rest = new URLSearchParams(url.search);
  for (const p of OWN_PARAMS) rest.delete(p);
  const text = rest.toString();
  return text ? `?${text}` : "";
}
