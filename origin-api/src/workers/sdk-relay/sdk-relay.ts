/**
 * The host half of `@bunbase/sdk` for one origin container: an HTTP server on the
 * container's `sdk.sock` (init relays the container's `$BUNBASE_SDK_URL`,
 * 127.0.0.1:8081, to it). Its routes are the origin's `/internal/sdk` without the node key:
 *
 *     POST /call                          {service, method, args} -> 200 {result} | error envelope
 *     PUT  /storage?bucket=&path=         raw bytes (content-type kept) -> 200 {result}
 *     GET  /storage?bucket=&path=         raw bytes, content-type, etag
 *
 * Every call carries `x-bunbase-sdk-token`, the token the pool sent with the invocation;
 * one this container was not given, or whose invocation ended, is 403 FN_009. Each call
 * spends a subrequest of the invocation (429 FN_007 past the limit); bodies over 10 MB are
 * 413 FN_006. Accepted calls go on to the origin (sdk-upstream.ts), storage bytes streamed
 * both ways, and the origin's answer comes back as it is.
 */
import { chown, rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { pipeline } from "node:stream/promises";
import {
  BunbaseError,
  SDK_TOKEN_HEADER,
  errorBody,
  invalid,
  newRequestId,
  type Logger,
} from "../../../../core/index.ts";
import type { SocketService } from "../types.ts";
import { InvocationTokens, type InvocationBudget, type InvocationClaims } from "./invocation-tokens.ts";
import type { SdkUpstream, UpstreamRequest } from "./sdk-upstream.ts";

/** A call's JSON or a stored object: the API's body limit (contract 2.2). */
export const MAX_SDK_BODY_BYTES = 10 * 1024 * 1024;
const ANSWER_HEADERS = ["content-type", "content-length", "etag", "retry-after"];

type Route = { kind: "call" } | { kind: "upload" | "download"; query: string };

export class SdkRelay implements SocketService {
  readonly tokens: InvocationTokens;

  constructor(
    private readonly upstream: SdkUpstream,
    private readonly log: Logger,
  ) {
    this.tokens = new InvocationTokens(upstream.maxSubrequests);
  }

  /** The token to send with an invocation to this container. */
  begin(claims: InvocationClaims): string {
    return this.tokens.begin(this.upstream.forwardKey, claims);
  }

  end(token: string): void {
    this.tokens.end(token);
  }

  async listen(socketPath: string, owner: { uid: number; gid: number }): Promise<{ close(): Promise<void> }> {
    const sockets = new Set<Socket>();
    const server = createServer((req, res) => void this.handle(req, res));
    server.on("connection", (socket: Socket) => {
      sockets.add(socket);
      socket.once("close", () => sockets.delete(socket));
    });
    await rm(socketPath, { force: true });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(socketPath, () => resolve());
    });
    await chown(socketPath, owner.uid, owner.gid);
    return {
      close: async () => {
        this.tokens.clear();
        for (const socket of sockets) socket.destroy();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      },
    };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const gone = new AbortController();
    res.once("close", () => gone.abort("client"));
    let budget: InvocationBudget | undefined;
    try {
      const route = routeOf(req.method ?? "", req.url ?? "/");
      const token = req.headers[SDK_TOKEN_HEADER];
      budget = this.tokens.lookup(typeof token === "string" ? token : undefined);
      if (budget === undefined) {
        throw new BunbaseError(
          "FN_009",
          "@bunbase/sdk: the call carries no token of an invocation in progress here: call the SDK while your handler runs",
        );
      }
      if (!this.tokens.take(budget)) {
        throw new BunbaseError(
          "FN_007",
          `Too many subrequests: at most ${this.tokens.maxSubrequests} @bunbase/sdk calls per invocation`,
        );
      }
      const signal = AbortSignal.any([budget.signal, gone.signal]);
      const request = await requestOf(route, req, token as string, signal);
      const answer = await this.upstream.request(request);
      res.writeHead(answer.statusCode, answerHeaders(answer.headers));
      await pipeline(answer.body, res);
    } catch (err) {
      this.refuse(req, res, err, budget);
    }
  }

  private refuse(req: IncomingMessage, res: ServerResponse, err: unknown, budget?: InvocationBudget): void {
    if (res.headersSent || res.destroyed) {
      res.destroy();
      return;
    }
    const error = explain(err, budget);
    if (error.code === "FN_004") this.log.warn({ err }, "SDK relay: the origin could not be reached");
    const body = JSON.stringify(errorBody(error, budget?.claims.invocationId ?? newRequestId()));
    const headers: Record<string, string> = {
      "content-type": "application/json",
      "content-length": String(Buffer.byteLength(body)),
    };
    // A body we did not read would be taken for the next request on this connection.
    if (!req.complete) headers.connection = "close";
    res.writeHead(error.status, headers);
    res.end(body);
  }
}

function routeOf(method: string, url: string): Route {
  const parsed = new URL(url, "http://sdk.invalid");
  if (parsed.pathname === "/call") {
    if (method !== "POST") throw methodRefused(method, "POST /call");
    return { kind: "call" };
  }
  if (parsed.pathname === "/storage") {
    if (method !== "PUT" && method !== "GET") throw methodRefused(method, "PUT or GET /storage");
    const bucket = parsed.searchParams.get("bucket") ?? "";
    const path = parsed.searchParams.get("path") ?? "";
    return { kind: method === "PUT" ? "upload" : "download", query: `?${new URLSearchParams({ bucket, path })}` };
  }
  throw new BunbaseError("FN_001", `@bunbase/sdk: no route ${parsed.pathname}: POST /call, PUT|GET /storage`, {
    status: 404,
  });
}

function methodRefused(method: string, want: string): BunbaseError {
  return new BunbaseError("FN_006", `@bunbase/sdk: ${method} is not allowed here: ${want}`, { status: 405 });
}

async function requestOf(route: Route, req: IncomingMessage, token: string, signal: AbortSignal) {
  const base = { token, signal };
  if (route.kind === "download")
    return { ...base, method: "GET", path: `/internal/sdk/storage${route.query}` } as const;
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > MAX_SDK_BODY_BYTES) throw tooLarge();
  if (route.kind === "upload") {
    const contentType = req.headers["content-type"];
    return {
      ...base,
      method: "PUT",
      path: `/internal/sdk/storage${route.query}`,
      contentType: typeof contentType === "string" ? contentType : undefined,
      body: capped(req),
    } satisfies UpstreamRequest;
  }
  const body = await readCall(req);
  return { ...base, method: "POST", path: "/internal/sdk", contentType: "application/json", body } as const;
}

/** The call's JSON, checked for its shape; the origin checks the rest as its REST routes do. */
async function readCall(req: IncomingMessage): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of capped(req)) chunks.push(Buffer.from(chunk));
  const bytes = Buffer.concat(chunks);
  let call: unknown;
  try {
    call = JSON.parse(bytes.toString("utf8"));
  } catch {
    throw invalid("", "@bunbase/sdk: the call is not JSON {service, method, args}");
  }
  const { service, method, args } = (call ?? {}) as Record<string, unknown>;
  if (typeof call !== "object" || call === null || Array.isArray(call)) throw invalid("call", "must be an object");
  if (typeof service !== "string") throw invalid("service", "must be a service name");
  if (typeof method !== "string") throw invalid("method", "must be a method name");
  if (typeof args !== "object" || args === null || Array.isArray(args)) throw invalid("args", "must be an object");
  if (service === "storage" && (method === "upload" || method === "download"))
    throw invalid("method", "storage bytes go through PUT and GET /storage?bucket=&path=");
  return bytes;
}

async function* capped(req: IncomingMessage): AsyncIterable<Uint8Array> {
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.byteLength;
    if (size > MAX_SDK_BODY_BYTES) throw tooLarge();
    yield chunk;
  }
}

function tooLarge(): BunbaseError {
  return new BunbaseError("FN_006", `@bunbase/sdk: the body is over ${MAX_SDK_BODY_BYTES / 1024 / 1024} MB`, {
    status: 413,
  });
}

function answerHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of ANSWER_HEADERS) {
    const value = headers[name];
    if (typeof value === "string") out[name] = value;
  }
  return out;
}

/** What went wrong, in the contract's terms. */
function explain(err: unknown, budget: InvocationBudget | undefined): BunbaseError {
  const cause = (err as { cause?: unknown })?.cause;
  if (cause instanceof BunbaseError) return cause; // our body cap, thrown inside undici's upload
  if (err instanceof BunbaseError) return err;
  const reason: unknown = budget?.signal.aborted ? budget.signal.reason : undefined;
  if (reason === "deadline") return new BunbaseError("FN_002", "@bunbase/sdk: the call outlived its invocation");
  if (reason === "ended") return new BunbaseError("FN_009", "@bunbase/sdk: the invocation ended during the call");
  return new BunbaseError("FN_004", "@bunbase/sdk: the platform services could not be reached", { cause: err });
}
