/**
 * The host half of a guest's `fetch`: validates the copied request, counts subrequests per
 * invocation, follows redirects itself (each hop is vetted by the egress policy again, as
 * a redirect may point anywhere) and answers with a copy of the response's head. The body
 * stays here, read chunk by chunk as the guest asks (fetch-bodies.ts).
 * https://fetch.spec.whatwg.org/#http-redirect-fetch for the redirect rules.
 */
import type { EgressConfig } from "../../../core/index.ts";
import { discard, FetchBodies } from "./fetch-bodies.ts";
import { HostCallError, type HostCallContext } from "./host-calls.ts";
import { PinnedAgents } from "./pinned-agents.ts";
import { exchange, type Exchange, type ExchangeResult } from "./pinned-request.ts";
import { MAX_RESULT_BYTES, type FetchAnswer } from "./protocol.ts";

export const DEFAULT_MAX_SUBREQUESTS = 50;
export const MAX_REDIRECTS = 20;
const MAX_URL_LENGTH = 16 * 1024;
const MAX_HEADERS = 256;
const MAX_HEADER_BYTES = 64 * 1024;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
/** Set by the connection, not by the guest (RFC 9110 7.6.1 and undici's own rules). */
const DROPPED_HEADERS = new Set(["host", "connection", "keep-alive", "transfer-encoding", "upgrade", "content-length"]);
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/** What the guest's fetch sends across (see fetch.guest.ts). */
interface FetchArgs {
  url: URL;
  method: string;
  headers: [string, string][];
  body: Uint8Array | null;
  redirect: "follow" | "manual" | "error";
}

/**
 * Per invocation, from the pool: the function's `vpc` block, when the invocation must end,
 * and the node-wide refusals and subrequest limit.
 */
export interface InvocationNetwork {
  egress?: EgressConfig;
  /** Epoch ms. */
  deadline: number;
  /** `host:port` of the control plane and other node-wide refusals. */
  deniedHosts?: string[];
  /** Subrequests (each redirect hop counts) per invocation. Default 50. */
  maxSubrequests?: number;
}

/** What the pool knows before an invocation starts (the instance adds the deadline). */
export type NetworkRules = Omit<InvocationNetwork, "deadline">;

export class HostFetch {
  readonly #network: (key: number) => InvocationNetwork | undefined;
  readonly #counts = new Map<number, number>();
  readonly #agents = new PinnedAgents();
  /** The `fetch.read` operation and `fetch.cancel` notification read and drop these. */
  readonly bodies = new FetchBodies();

  constructor(network: (key: number) => InvocationNetwork | undefined) {
    this.#network = network;
  }

  /** Forgets the subrequest count and destroys the bodies the invocation's fetches left. */
  endInvocation(key: number): void {
    this.#counts.delete(key);
    this.bodies.endInvocation(key);
  }

  /** The instance is gone: drop its bodies and close its connections. */
  detach(): void {
    this.bodies.detach();
    this.#agents.destroy();
  }

  readonly fetch = async (raw: unknown, call: HostCallContext): Promise<FetchAnswer> => {
    const network = this.#network(call.key);
    if (network === undefined) {
      throw new HostCallError("TypeError", "fetch is only possible while handling a request or event");
    }
    const args = readFetchArgs(raw);
    let hop: Exchange = { url: args.url, method: args.method, headers: args.headers, body: args.body };
    for (let redirects = 0; ; redirects++) {
      this.#count(call.key, network.maxSubrequests ?? DEFAULT_MAX_SUBREQUESTS);
      const answer = await exchange(hop, {
        egress: network.egress ?? {},
        policy: { deniedHosts: network.deniedHosts },
        deadline: network.deadline,
        agents: this.#agents,
        signal: call.signal,
      });
      const location = answer.headers.find(([name]) => name === "location")?.[1];
      if (!REDIRECT_STATUSES.has(answer.status) || location === undefined || args.redirect === "manual") {
        return this.#answer(call, answer, args.method, { url: hop.url.href, redirected: redirects > 0 });
      }
      discard(answer.body);
      if (args.redirect === "error") throw new HostCallError("TypeError", `fetch failed: redirected to ${location}`);
      if (redirects >= MAX_REDIRECTS) throw new HostCallError("TypeError", "fetch failed: redirect count exceeded");
      hop = redirected(hop, answer.status, location);
    }
  };

  /** The head for the guest; the body is kept for it unless the response can have none. */
  #answer(
    call: HostCallContext,
    answer: ExchangeResult,
    method: string,
    where: { url: string; redirected: boolean },
  ): FetchAnswer {
    const { status, statusText, headers, body } = answer;
    const bodiless = method === "HEAD" || NULL_BODY_STATUSES.has(status);
    // The invocation may have ended while the head was on its way: nobody would read the body.
    if (bodiless || call.signal.aborted) discard(body);
    if (call.signal.aborted) throw new HostCallError("AbortError", "The operation was aborted");
    const opened = bodiless ? null : this.bodies.open(call.key, body);
    return { status, statusText, headers, url: where.url, redirected: where.redirected, body: opened };
  }

  /** An @bunbase/sdk call spends the same budget (sdk-bridge.ts): false once it is used up. */
  takeSubrequest(key: number): boolean {
    const limit = this.#network(key)?.maxSubrequests ?? DEFAULT_MAX_SUBREQUESTS;
    const used = this.#counts.get(key) ?? 0;
    if (used >= limit) return false;
    this.#counts.set(key, used + 1);
    return true;
  }

  #count(key: number, limit: number): void {
    const used = this.#counts.get(key) ?? 0;
    if (used >= limit) {
      throw new HostCallError("TypeError", `Too many subrequests: at most ${limit} fetches per invocation`);
    }
    this.#counts.set(key, used + 1);
  }
}

/** The next hop: https://fetch.spec.whatwg.org/#http-redirect-fetch steps 12-13. */
function redirected(hop: Exchange, status: number, location: string): Exchange {
  let url: URL;
  try {
    url = new URL(location, hop.url);
  } catch {
    throw new HostCallError("TypeError", `fetch failed: invalid redirect location ${location.slice(0, 200)}`);
  }
  const toGet =
    ((status === 301 || status === 302) && hop.method === "POST") || (status === 303 && hop.method !== "HEAD");
  const crossOrigin = url.origin !== hop.url.origin;
  const headers = hop.headers.filter(
    ([name]) => !(toGet && /^content-/.test(name)) && !(crossOrigin && (name === "authorization" || name === "cookie")),
  );
  return { url, method: toGet ? "GET" : hop.method, headers, body: toGet ? null : hop.body };
}

function fail(message: string): never {
  throw new HostCallError("TypeError", message);
}

/** Everything the guest sent, checked: nothing is used as it came. */
export function readFetchArgs(raw: unknown): FetchArgs {
  if (typeof raw !== "object" || raw === null) fail("fetch: bad request");
  const { url, method, headers, body, redirect } = raw as Record<string, unknown>;
  if (typeof url !== "string" || url.length > MAX_URL_LENGTH) fail("fetch: the URL must be a string of at most 16 KB");
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    fail(`fetch: invalid URL ${url.slice(0, 200)}`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    fail(`fetch to ${parsed.protocol} URLs is not supported (only http: and https:)`);
  }
  if (parsed.username !== "" || parsed.password !== "") fail("fetch: URLs with credentials are not allowed");
  if (typeof method !== "string" || !TOKEN.test(method) || method.length > 32) fail("fetch: invalid method");
  if (/^(CONNECT|TRACE|TRACK)$/i.test(method)) fail(`fetch: forbidden method ${method}`);
  if (body !== null && !(body instanceof Uint8Array)) fail("fetch: the body must be bytes");
  if (body !== null && body.byteLength > MAX_RESULT_BYTES)
    fail(`fetch: the request body exceeds ${MAX_RESULT_BYTES} bytes`);
  if (redirect !== "follow" && redirect !== "manual" && redirect !== "error") fail("fetch: invalid redirect mode");
  return { url: parsed, method: method.toUpperCase(), headers: readHeaders(headers), body, redirect };
}

function readHeaders(headers: unknown): [string, string][] {
  if (!Array.isArray(headers) || headers.length > MAX_HEADERS) fail(`fetch: at most ${MAX_HEADERS} headers`);
  let bytes = 0;
  const list: [string, string][] = [];
  for (const pair of headers as unknown[]) {
    if (!Array.isArray(pair) || pair.length !== 2) fail("fetch: bad header");
    const [name, value] = pair as unknown[];
    if (typeof name !== "string" || !TOKEN.test(name)) fail("fetch: bad header name");
    if (typeof value !== "string" || !HEADER_VALUE.test(value)) fail(`fetch: bad value for header ${name}`);
    bytes += name.length + value.length;
    if (bytes > MAX_HEADER_BYTES) fail(`fetch: headers exceed ${MAX_HEADER_BYTES} bytes`);
    const lower = name.toLowerCase();
    if (!DROPPED_HEADERS.has(lower)) list.push([lower, value]);
  }
  return list;
}
