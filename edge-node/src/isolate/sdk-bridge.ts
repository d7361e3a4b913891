/**
 * The host half of `@bunbase/sdk` (db, storage, auth, queue): the `sdk.call` host call.
 * It runs on the node (edge or runner), never in the origin API, and forwards each call to
 * the origin's `/internal/sdk` routes with the node's key and a token it mints for the
 * invocation: the function id and invocation id come from the pool, never from the guest,
 * so a guest can act only as its own function (core/src/sdk-token.ts). What the guest
 * sends is a copy, checked here for shape and size; the origin checks the rest as its REST
 * routes do. Each call spends one of the invocation's subrequests, as a fetch does.
 */
import {
  BunbaseError,
  ERROR_CODES,
  invalid,
  SDK_TOKEN_HEADER,
  SDK_TOKEN_MAX_TTL_MS,
  signSdkToken,
  type ErrorCode,
} from "../../../core/index.ts";
import { HostCallError, type HostCallContext } from "./host-calls.ts";
import { MAX_RESULT_BYTES, type SdkAnswer } from "./protocol.ts";

/** Where the node reaches the origin, and the fleet key tokens are signed with (null until synced). */
export interface SdkOrigin {
  apiUrl: string;
  apiKey: string;
  forwardKey(): string | undefined;
}

/** Per invocation, from the pool: whom the calls act for. */
export interface InvocationSdk {
  origin: SdkOrigin;
  functionId: string;
  invocationId: string;
}

interface Scope {
  sdk?: InvocationSdk;
  /** Epoch ms: the token expires with the invocation. */
  deadline: number;
}

/** The largest request a call may make and answer it may take: a storage object's 10 MB plus room. */
export const MAX_SDK_BYTES = MAX_RESULT_BYTES;
const MAX_ANSWER_BYTES = MAX_RESULT_BYTES + 1024 * 1024;
const NAME = /^[a-zA-Z]{1,32}$/;

type Request = { method: "GET" | "PUT" | "POST"; path: string; body?: Uint8Array | string; contentType?: string };

export class HostSdk {
  readonly #scope: (key: number) => Scope | undefined;
  readonly #takeSubrequest: (key: number) => boolean;
  readonly #tokens = new Map<number, string>();

  constructor(scope: (key: number) => Scope | undefined, takeSubrequest: (key: number) => boolean) {
    this.#scope = scope;
    this.#takeSubrequest = takeSubrequest;
  }

  readonly call = async (raw: unknown, call: HostCallContext): Promise<SdkAnswer> => {
    const scope = this.#scope(call.key);
    if (scope === undefined) throw new HostCallError("InvalidStateError", "@bunbase/sdk: no invocation in flight");
    const sdk = scope.sdk;
    if (sdk === undefined)
      throw new HostCallError("NotSupportedError", "@bunbase/sdk: this host has no origin to call");
    try {
      const request = toRequest(raw);
      if (!this.#takeSubrequest(call.key)) {
        throw new BunbaseError(
          "FN_007",
          "Too many subrequests: fetch and @bunbase/sdk calls share the per-invocation limit",
        );
      }
      const token = this.#token(call.key, sdk, scope.deadline);
      return { ok: true, value: await send(sdk.origin, token, request, call.signal, scope.deadline) };
    } catch (err) {
      if (err instanceof BunbaseError) return refusal(err.code, err.message, err.details);
      if (err instanceof Error && (err.name === "AbortError" || err.name === "TimeoutError"))
        return refusal("FN_002", "@bunbase/sdk: the call outlived its invocation");
      return refusal("FN_004", "@bunbase/sdk: the platform services could not be reached");
    }
  };

  endInvocation(key: number): void {
    this.#tokens.delete(key);
  }

  #token(key: number, sdk: InvocationSdk, deadline: number): string {
    const known = this.#tokens.get(key);
    if (known !== undefined) return known;
    const forwardKey = sdk.origin.forwardKey();
    if (!forwardKey) throw new BunbaseError("FN_004", "@bunbase/sdk: this node has not synced with the origin yet");
    const expiresAt = Math.min(deadline + 5_000, Date.now() + SDK_TOKEN_MAX_TTL_MS);
    const token = signSdkToken(forwardKey, { functionId: sdk.functionId, invocationId: sdk.invocationId, expiresAt });
    this.#tokens.set(key, token);
    return token;
  }
}

function refusal(code: string, message: string, details?: Record<string, unknown>): SdkAnswer {
  return { ok: false, error: { code, message: message.slice(0, 1000), ...(details ? { details } : {}) } };
}

/** The guest's call, checked into the request the origin gets (its own fields only). */
export function toRequest(raw: unknown): Request {
  if (typeof raw !== "object" || raw === null) throw invalid("call", "must be {service, method, args}");
  const { service, method, args } = raw as Record<string, unknown>;
  if (typeof service !== "string" || !NAME.test(service)) throw invalid("service", "must be a service name");
  if (typeof method !== "string" || !NAME.test(method)) throw invalid("method", "must be a method name");
  if (typeof args !== "object" || args === null || Array.isArray(args)) throw invalid("args", "must be an object");
  const fields = args as Record<string, unknown>;
  if (service === "storage" && (method === "upload" || method === "download")) {
    const { bucket, path, data, contentType } = fields;
    if (typeof bucket !== "string" || bucket.length > 256) throw invalid("args.bucket", "must be a bucket name");
    if (typeof path !== "string" || path.length > 4096) throw invalid("args.path", "must be an object path");
    const query = `?${new URLSearchParams({ bucket, path })}`;
    if (method === "download") return { method: "GET", path: `/internal/sdk/storage${query}` };
    if (!(data instanceof Uint8Array)) throw invalid("args.data", "must be bytes");
    if (data.byteLength > MAX_SDK_BYTES) throw invalid("args.data", `is over ${MAX_SDK_BYTES} bytes`);
    if (contentType !== undefined && (typeof contentType !== "string" || contentType.length > 256))
      throw invalid("args.contentType", "must be a media type");
    return { method: "PUT", path: `/internal/sdk/storage${query}`, body: data, contentType };
  }
  let body: string;
  try {
    body = JSON.stringify({ service, method, args });
  } catch {
    throw invalid("args", "must be JSON");
  }
  if (Buffer.byteLength(body) > MAX_SDK_BYTES) throw invalid("args", `is over ${MAX_SDK_BYTES} bytes of JSON`);
  return { method: "POST", path: "/internal/sdk", body, contentType: "application/json" };
}

async function send(
  origin: SdkOrigin,
  token: string,
  request: Request,
  signal: AbortSignal,
  deadline: number,
): Promise<unknown> {
  const headers: Record<string, string> = { authorization: `Bearer ${origin.apiKey}`, [SDK_TOKEN_HEADER]: token };
  if (request.contentType) headers["content-type"] = request.contentType;
  const res = await fetch(new URL(request.path, origin.apiUrl), {
    method: request.method,
    headers,
    body: request.body,
    signal: AbortSignal.any([signal, AbortSignal.timeout(Math.max(1, deadline - Date.now()))]),
  });
  const bytes = await readCapped(res);
  const type = res.headers.get("content-type") ?? "";
  if (res.ok && request.method === "GET") {
    return { data: bytes, contentType: type, etag: (res.headers.get("etag") ?? "").replace(/"/g, "") };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(bytes).toString("utf8"));
  } catch {
    throw new Error(`the origin answered ${res.status} without JSON`);
  }
  if (res.ok) return (parsed as { result?: unknown }).result ?? null;
  const error = (parsed as { error?: Record<string, unknown> }).error;
  if (typeof error?.code !== "string" || !Object.hasOwn(ERROR_CODES, error.code))
    throw new Error(`the origin answered ${res.status}`);
  const details = error.details;
  throw new BunbaseError(error.code as ErrorCode, String(error.message ?? ""), {
    details: typeof details === "object" && details !== null ? (details as Record<string, unknown>) : undefined,
  });
}

/** The whole answer, refused past the cap (a page of large documents: ask for fewer). */
async function readCapped(res: Response): Promise<Uint8Array> {
  const length = Number(res.headers.get("content-length"));
  if (length > MAX_ANSWER_BYTES) {
    await res.body?.cancel();
    throw invalid("limit", "the answer is over 11 MB: ask for fewer documents");
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = res.body?.getReader();
  for (;;) {
    const next = reader ? await reader.read() : { done: true as const, value: undefined };
    if (next.done) break;
    size += next.value.byteLength;
    if (size > MAX_ANSWER_BYTES) {
      await reader?.cancel();
      throw invalid("limit", "the answer is over 11 MB: ask for fewer documents");
    }
    chunks.push(next.value);
  }
  return new Uint8Array(Buffer.concat(chunks, size));
}
