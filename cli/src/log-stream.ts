/**
 * Following a function's logs: `GET /functions/:id/logs?follow=1` as Server-Sent Events,
 * one log record per `data:` line, until the signal aborts. Used by `logs --follow` and
 * `functions dev`.
 */
import { seg, errorFromResponse, type ApiClient } from "./api-client.ts";
import type { LogLine } from "./output.ts";
import { readSse } from "../../core/index.ts";

export interface FollowOptions {
  query?: Record<string, string | undefined>;
  signal: AbortSignal;
  onLog: (log: LogLine & Record<string, unknown>) => void;
}

export async function followLogs(client: ApiClient, name: string, options: FollowOptions): Promise<void> {
  let res: Response;
  try {
    res = await client.fetch("GET", `/functions/${seg(name)}/logs`, {
      query: { ...options.query, follow: "1" },
      headers: { accept: "text/event-stream" },
      signal: options.signal,
    });
  } catch (err) {
    if (options.signal.aborted) return;
    throw err;
  }
  if (!res.ok) throw await errorFromResponse(res);
  if (!res.body) return;
  try {
    for await (const event of readSse(res.body)) {
      if (event.event !== "message") continue;
      try {
        options.onLog(JSON.parse(event.data) as LogLine & Record<string, unknown>);
      } catch (err) {
        if (!(err instanceof SyntaxError)) throw err;
        // not a JSON record (a future event kind): skip it rather than stop following
      }
    }
  } catch (err) {
    if (!options.signal.aborted) throw err;
  }
}

/** An AbortSignal that fires on the first SIGINT or SIGTERM. */
export function signalOnInterrupt(): AbortSignal {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  return controller.signal;
}
