/**
 * The origin's management API (contract section 2) over fetch. A non-2xx reply with the
 * contract's error envelope becomes an ApiError carrying its code, message and details;
 * a refused connection becomes ApiUnreachableError with a hint to start the platform.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";

export class ApiError extends Error {
  readonly code: string;
  readonly status: number;
  readonly requestId?: string;
  readonly details?: Record<string, unknown>;

  constructor(
    code: string,
    message: string,
    status: number,
    extra: { requestId?: string; details?: Record<string, unknown> } = {},
  ) {
    super(message);
    this.name = "ApiError";
    this.code = code;
    this.status = status;
    this.requestId = extra.requestId;
    this.details = extra.details;
  }
}

export class ApiUnreachableError extends Error {
  constructor(
    readonly url: string,
    cause: unknown,
  ) {
    super(`cannot reach the API at ${url}: is it running? (npm start)`, { cause });
    this.name = "ApiUnreachableError";
  }
}

export interface RequestOptions {
  json?: unknown;
  query?: Record<string, string | number | boolean | undefined>;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  signal?: AbortSignal;
}

interface Envelope {
  error?: { code?: unknown; message?: unknown; requestId?: unknown; details?: unknown };
}

/** Reads an error envelope out of a failed response; undefined when the body is not one. */
export async function errorFromResponse(res: Response): Promise<ApiError> {
  const text = await res.text();
  let envelope: Envelope | undefined;
  try {
    envelope = JSON.parse(text) as Envelope;
  } catch {
    envelope = undefined;
  }
  const e = envelope?.error;
  if (e && typeof e.code === "string" && typeof e.message === "string") {
    return new ApiError(e.code, e.message, res.status, {
      requestId: typeof e.requestId === "string" ? e.requestId : undefined,
      details: e.details && typeof e.details === "object" ? (e.details as Record<string, unknown>) : undefined,
    });
  }
  return new ApiError(`HTTP_${res.status}`, text.trim().slice(0, 200) || res.statusText, res.status);
}

/** True when `body` is the contract's error envelope (`{"error":{"code":"FN_00x",...}}`). */
export function isErrorEnvelope(body: unknown): boolean {
  const code = (body as Envelope | null)?.error?.code;
  return typeof code === "string" && /^FN_\d{3}$/.test(code);
}

export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly apiKey: string | undefined,
  ) {}

  /** The raw response of a call; throws only when the API cannot be reached. */
  async fetch(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    const url = new URL(path.replace(/^\//, ""), this.baseUrl.replace(/\/?$/, "/"));
    for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const headers = new Headers(options.headers);
    if (this.apiKey) headers.set("authorization", `Bearer ${this.apiKey}`);
    let body = options.body;
    if (options.json !== undefined) {
      headers.set("content-type", "application/json");
      body = JSON.stringify(options.json);
    }
    try {
      return await fetch(url, { method, headers, body, signal: options.signal });
    } catch (err) {
      if ((err as Error).name === "AbortError") throw err;
      throw new ApiUnreachableError(this.baseUrl, err);
    }
  }

  /** A call whose success is JSON (or 204: undefined); any failure throws ApiError. */
  async request<T = unknown>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const res = await this.fetch(method, path, options);
    if (!res.ok) {
      const err = await errorFromResponse(res);
      if (res.status === 401 && !this.apiKey) {
        throw new ApiError(
          err.code,
          `${err.message} (no API key found: pass --api-key, set BUNBASE_API_KEY, or run where .bunbase/admin.key is)`,
          401,
        );
      }
      throw err;
    }
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  get<T = unknown>(path: string, options?: RequestOptions): Promise<T> {
    return this.request<T>("GET", path, options);
  }
}

/** `--api-key`, else $BUNBASE_API_KEY, else `admin.key` in $BUNBASE_DATA_DIR or ./.bunbase. */
export function resolveApiKey(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (flag) return flag;
  if (env.BUNBASE_API_KEY) return env.BUNBASE_API_KEY;
  const file = join(resolve(env.BUNBASE_DATA_DIR ?? ".bunbase"), "admin.key");
  return existsSync(file) ? readFileSync(file, "utf8").trim() : undefined;
}

export function resolveApiUrl(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return flag ?? env.BUNBASE_API_URL ?? "http://127.0.0.1:8700";
}

/** `encodeURIComponent` for a path segment (`:id` is a name or an id). */
export const seg = (value: string | number): string => encodeURIComponent(String(value));
