/** Server-Sent Events (WHATWG HTML 9.2) with keep-alive comments, ended when the client leaves. */
import type { Context } from "hono";
import { streamSSE, type SSEStreamingApi } from "hono/streaming";

export const KEEP_ALIVE_MS = 15_000;

/**
 * `start` subscribes and returns its unsubscribe; the stream stays open until the client
 * disconnects, with a `: ping` comment every `keepAliveMs`.
 */
export function serveSse(
  c: Context,
  start: (stream: SSEStreamingApi) => Promise<() => void> | (() => void),
  keepAliveMs = KEEP_ALIVE_MS,
): Response {
  return streamSSE(c, async (stream) => {
    const left = new Promise<void>((resolve) => stream.onAbort(resolve));
    const ping = setInterval(() => {
      stream.write(": ping\n\n").catch(() => stream.abort());
    }, keepAliveMs);
    let stop: (() => void) | undefined;
    try {
      stop = await start(stream);
      await left;
    } finally {
      clearInterval(ping);
      stop?.();
    }
  });
}
