/**
 * Where the runner's SDK relays send the calls they accept: the origin API's
 * `/internal/sdk` routes (origin-api/src/routes/sdk.ts), with the node key and the
 * invocation's token. One keep-alive connection pool for all containers. The node key
 * and the fleet key stay here, in the runner: a container only ever holds its tokens.
 */
import { Pool, type Dispatcher } from "undici";
import { SDK_TOKEN_HEADER } from "../../../../core/index.ts";
import { DEFAULT_MAX_SUBREQUESTS } from "./invocation-tokens.ts";

export interface SdkUpstreamOptions {
  apiUrl: string;
  /** The runner's node key. */
  apiKey: string;
  /** The fleet's forwarding key (base64url) that tokens are signed with. */
  forwardKey: string;
  /** Per invocation; default 50, as at the edge. */
  maxSubrequests?: number;
}

export interface UpstreamRequest {
  method: "GET" | "PUT" | "POST";
  /** `/internal/sdk` or `/internal/sdk/storage?bucket=&path=`. */
  path: string;
  token: string;
  contentType?: string;
  contentLength?: number;
  body?: Uint8Array | AsyncIterable<Uint8Array>;
  signal: AbortSignal;
}

export class SdkUpstream {
  readonly forwardKey: string;
  readonly maxSubrequests: number;
  readonly #apiKey: string;
  readonly #pool: Pool;

  constructor(options: SdkUpstreamOptions) {
    this.forwardKey = options.forwardKey;
    this.maxSubrequests = options.maxSubrequests ?? DEFAULT_MAX_SUBREQUESTS;
    this.#apiKey = options.apiKey;
    this.#pool = new Pool(new URL(options.apiUrl).origin, { connections: 32, keepAliveTimeout: 30_000 });
  }

  request(call: UpstreamRequest): Promise<Dispatcher.ResponseData> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.#apiKey}`,
      [SDK_TOKEN_HEADER]: call.token,
    };
    if (call.contentType) headers["content-type"] = call.contentType;
    if (call.contentLength !== undefined) headers["content-length"] = String(call.contentLength);
    return this.#pool.request({
      method: call.method,
      path: call.path,
      headers,
      body: call.body as Buffer | undefined,
      signal: call.signal,
    });
  }

  async close(): Promise<void> {
    await this.#pool.close();
  }
}
