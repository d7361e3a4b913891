/** Single HTTP requests on a fresh connection, timed to the first byte of the response. */
import { request } from "node:http";

export interface Probe {
  status: number;
  ttfbMs: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** GET `url` on a new connection; resolves when the whole body has arrived. */
export function probe(url: string, timeoutMs = 30_000): Promise<Probe> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request(url, { agent: false, timeout: timeoutMs }, (res) => {
      const ttfbMs = performance.now() - started;
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, ttfbMs, headers: res.headers, body: Buffer.concat(chunks).toString() }),
      );
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`timeout after ${timeoutMs} ms: ${url}`)));
    req.on("error", reject);
    req.end();
  });
}

/**
 * Polls `url` until it answers (connection refused means "not up yet"); resolves with the
 * time since `since` at which the first response's headers arrived.
 */
export async function firstResponse(
  url: string,
  since: number,
  deadlineMs: number,
  alive: () => boolean,
): Promise<number> {
  for (;;) {
    if (!alive()) throw new Error("process exited before answering");
    if (performance.now() - since > deadlineMs) throw new Error(`no answer within ${deadlineMs} ms`);
    try {
      const sent = performance.now();
      const res = await probe(url, Math.max(1, deadlineMs - (sent - since)));
      if (res.status === 200) return sent - since + res.ttfbMs;
      throw new Error(`status ${res.status}: ${res.body.slice(0, 200)}`);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== "ECONNREFUSED" && code !== "ECONNRESET") throw err;
      await new Promise((r) => setTimeout(r, 1));
    }
  }
}
