/**
 * Forwards one request to another HTTP server and streams the answer back: another
 * region's edge node (region-forwarder.ts), later the origin for origin-placed functions.
 * Bodies stream both ways without being held whole; a keep-alive pool per target origin
 * (undici's Agent); hop-by-hop headers dropped (RFC 9110 section 7.6.1) and the
 * `x-forwarded-*` headers appended. A failure before the answer started becomes the
 * contract's error: unreachable or broken 502 FN_004, too slow 504 FN_002; after it
 * started, the connection is cut (the status is gone).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { Agent, type Dispatcher } from "undici";
import { BunbaseError, errorCode, HOP_BY_HOP_HEADERS, neverSent, NOT_CONNECTED } from "../../../core/index.ts";
import { writeError } from "./http-io.ts";

export const FORWARDED_BY = "x-bunbase-forwarded-by";

export interface ForwarderOptions {
  /** This node's name, appended to `x-bunbase-forwarded-by`. */
  nodeName: string;
  /** Time to open a connection (TCP and TLS) to the target. */
  connectTimeoutMs?: number;
  /** Idle keep-alive connections to a target close after this. */
  keepAliveMs?: number;
  /** Connections per target origin at most. */
  connections?: number;
}

export interface ForwardOptions {
  /** The request id of error envelopes this module writes. */
  requestId: string;
  /** `/path?query` to ask the target for; default the request's own. */
  path?: string;
  /** Request headers to set (replacing any of the same name), e.g. a signature. */
  headers?: Record<string, string>;
  /** Time from the request sent to the answer's headers (the handler's run time and then some). */
  headersTimeoutMs?: number;
  /** Longest pause between two chunks of the answer's body. */
  bodyTimeoutMs?: number;
  /** Response headers on an error this module answers with. */
  errorHeaders?: Record<string, string>;
  /** Response headers added to the target's answer (e.g. the edge rules' CORS headers). */
  responseHeaders?: [string, string][];
  /** Client request headers not to pass on (those `headers` sets are replaced anyway). */
  dropHeader?: (name: string) => boolean;
  /**
   * When the target cannot be reached and nothing of the request has left this node
   * (no connection, or a dead keep-alive connection under a bodiless idempotent request),
   * resolve `unreachable` with the response untouched instead of answering 502/504: the
   * caller may try another target or serve the request itself.
   */
  returnUnreachable?: boolean;
}

export type ForwardResult =
  /** The target's answer went out (or was cut midway: see the log of the target). */
  | { outcome: "forwarded"; status: number }
  /** Answered with the contract's error envelope. */
  | { outcome: "failed"; error: BunbaseError }
  /** Nothing was sent anywhere; `res` is untouched and the request body unread. */
  | { outcome: "unreachable"; error: Error };

const DEFAULTS = { connectTimeoutMs: 2_000, keepAliveMs: 30_000, connections: 128, timeoutMs: 60_000 };

/** A connection that broke before any answer: the target may have seen the request. */
const BROKEN = new Set(["ECONNRESET", "EPIPE", "UND_ERR_SOCKET", "UND_ERR_CLOSED"]);
const TIMEOUTS = new Set(["UND_ERR_CONNECT_TIMEOUT", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT"]);

export class Forwarder {
  private readonly agent: Agent;

  constructor(private readonly options: ForwarderOptions) {
    this.agent = new Agent({
      connect: { timeout: options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs },
      keepAliveTimeout: options.keepAliveMs ?? DEFAULTS.keepAliveMs,
      connections: options.connections ?? DEFAULTS.connections,
    });
  }

  /** Sends `req` to `targetBaseUrl` (its path is a prefix) and streams the answer into `res`. */
  async forward(
    req: IncomingMessage,
    res: ServerResponse,
    targetBaseUrl: string,
    o: ForwardOptions,
  ): Promise<ForwardResult> {
    const target = new URL(targetBaseUrl);
    const method = (req.method ?? "GET") as Dispatcher.HttpMethod;
    const body = hasBody(req) ? new LazyBody(req) : null;
    const abort = new AbortController();
    const clientGone = () => {
      if (!res.writableFinished) abort.abort();
    };
    res.once("close", clientGone);
    let answer: Dispatcher.ResponseData;
    try {
      answer = await this.agent.request({
        origin: target.origin,
        path: target.pathname.replace(/\/$/, "") + (o.path ?? req.url ?? "/"),
        method,
        headers: { ...forwardHeaders(req, this.options.nodeName, o.dropHeader), ...o.headers },
        body: body === null ? null : Readable.from(body.chunks(), { objectMode: false }),
        headersTimeout: o.headersTimeoutMs ?? DEFAULTS.timeoutMs,
        bodyTimeout: o.bodyTimeoutMs ?? DEFAULTS.timeoutMs,
        signal: abort.signal,
      });
    } catch (err) {
      res.off("close", clientGone);
      const code = errorCode(err);
      const untouched = body === null || !body.started;
      const idempotent = method === "GET" || method === "HEAD" || method === "OPTIONS";
      const unsent = neverSent(code);
      if (o.returnUnreachable && untouched && (unsent || (idempotent && BROKEN.has(code))))
        return { outcome: "unreachable", error: err as Error };
      const error = upstreamError(code, err);
      if (!abort.signal.aborted) writeError(res, error, o.requestId, o.errorHeaders);
      return { outcome: "failed", error };
    }
    res.writeHead(answer.statusCode, withExtra(responseHeaders(answer.headers), o.responseHeaders));
    try {
      await pipeline(answer.body, res);
    } catch {
      // The client left, or the target broke off midway: with the status sent, cutting
      // the connection is all that is left (pipeline destroyed both streams).
    } finally {
      res.off("close", clientGone);
    }
    return { outcome: "forwarded", status: answer.statusCode };
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

/**
 * The request body as undici pulls it, read from the client only then: when the target
 * cannot be reached, the body is still unread and the request can be served elsewhere.
 */
class LazyBody {
  started = false;

  constructor(private readonly req: IncomingMessage) {}

  async *chunks(): AsyncGenerator<Uint8Array> {
    this.started = true;
    for await (const chunk of this.req as AsyncIterable<Buffer>) yield chunk;
  }
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers["content-length"];
  if (length !== undefined) return Number(length) > 0;
  return req.headers["transfer-encoding"] !== undefined;
}

/** The client's headers minus hop-by-hop ones, with this hop appended to the forwarding headers. */
function forwardHeaders(
  req: IncomingMessage,
  nodeName: string,
  drop: (name: string) => boolean = () => false,
): Record<string, string> {
  const listed = new Set(
    String(req.headers.connection ?? "")
      .split(",")
      .map((token) => token.trim().toLowerCase())
      .filter(Boolean),
  );
  const out: Record<string, string> = {};
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    if (HOP_BY_HOP_HEADERS.has(name) || listed.has(name) || drop(name)) continue;
    // Repeated fields join with ", " (RFC 9110 section 5.3); set-cookie is never a request field.
    out[name] = out[name] === undefined ? raw[i + 1] : `${out[name]}, ${raw[i + 1]}`;
  }
  const append = (name: string, value: string | undefined) => {
    if (value) out[name] = out[name] ? `${out[name]}, ${value}` : value;
  };
  append("x-forwarded-for", peerAddress(req.socket.remoteAddress));
  append("x-forwarded-proto", "encrypted" in req.socket && req.socket.encrypted ? "https" : "http");
  append("x-forwarded-host", req.headers.host);
  append(FORWARDED_BY, nodeName);
  return out;
}

/** `::ffff:192.0.2.1` is written as the IPv4 address it is. */
function peerAddress(address: string | undefined): string | undefined {
  return address?.startsWith("::ffff:") && address.includes(".") ? address.slice(7) : address;
}

function responseHeaders(headers: Dispatcher.ResponseData["headers"]): Record<string, string | string[]> {
  const listed = new Set(
    String(headers.connection ?? "")
      .split(",")
      .map((token) => token.trim().toLowerCase()),
  );
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP_HEADERS.has(name) || listed.has(name)) continue;
    out[name] = value;
  }
  return out;
}

function withExtra(
  headers: Record<string, string | string[]>,
  extra: [string, string][] | undefined,
): Record<string, string | string[]> {
  for (const [name, value] of extra ?? []) {
    const key = name.toLowerCase();
    const known = headers[key];
    headers[key] = known === undefined ? value : [...(Array.isArray(known) ? known : [known]), value];
  }
  return headers;
}

function upstreamError(code: string, cause: unknown): BunbaseError {
  if (TIMEOUTS.has(code))
    return new BunbaseError("FN_002", "The upstream server did not answer in time", {
      cause,
      details: { upstream: code === "UND_ERR_CONNECT_TIMEOUT" ? "connect-timeout" : "timeout" },
    });
  const upstream = NOT_CONNECTED.has(code) ? "unreachable" : "broken";
  return new BunbaseError("FN_004", `The upstream server is ${upstream}`, { cause, details: { upstream } });
}
