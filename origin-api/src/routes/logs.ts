/** `GET /functions/:id/logs` (contract 2.4): a filtered page, or a live SSE follow. */
import { Hono } from "hono";
import type { AppEnv } from "../http/app-env.ts";
import { serveSse } from "../http/sse.ts";
import type { Services } from "../services/index.ts";
import { matches, parseLevel, parseLimit, parseTime, publicLog, type LogFilters } from "../services/log-feed.ts";

export function logRoutes(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get("/functions/:id/logs", (c) => {
    const fn = s.functions.get(c.req.param("id"));
    const q = c.req.query();
    const filters: LogFilters = {
      sinceMs: parseTime(q.since, "since"),
      untilMs: parseTime(q.until, "until"),
      minLevel: parseLevel(q.level),
      q: q.q || undefined,
      invocationId: q.invocationId || undefined,
    };
    const limit = parseLimit(q.limit);
    const follow =
      q.follow === "1" || q.follow === "true" || (c.req.header("accept") ?? "").includes("text/event-stream");
    if (!follow) return c.json(s.logs.query(fn.id, filters, limit, q.cursor || undefined));

    return serveSse(c, async (stream) => {
      // The recent backlog first (oldest first), then records as they arrive.
      const backlog = s.logs.query(fn.id, filters, limit, q.cursor || undefined).logs.reverse();
      for (const log of backlog) await stream.writeSSE({ data: JSON.stringify(log) });
      let chain = Promise.resolve();
      const onLog = (functionId: string, log: Parameters<typeof matches>[0]) => {
        if (functionId !== fn.id || !matches(log, filters)) return;
        chain = chain.then(() => stream.writeSSE({ data: JSON.stringify(publicLog(log)) })).catch(() => stream.abort());
      };
      s.logs.on("log", onLog);
      return () => s.logs.off("log", onLog);
    });
  });

  return app;
}
