/**
 * One HTTP exchange of a guest's fetch, to an address vetted by core/src/egress-policy.ts: the host
 * name is resolved once here, every address is checked, and connections go only to the
 * addresses that passed (through a connection pool pinned to them, see pinned-agents.ts),
 * so a second DNS answer can never steer a socket elsewhere. The
 * response body is left as a stream, decoded as it is read.
 */
import { lookup } from "node:dns/promises";
import { pipeline, type Readable, type Transform } from "node:stream";
import { constants, createBrotliDecompress, createGunzip, createInflate } from "node:zlib";
import { request } from "undici";
import { checkDestination, type EgressConfig, type EgressPolicyOptions } from "../../../core/index.ts";
import { HostCallError } from "./host-calls.ts";
import type { PinnedAddress, PinnedAgents } from "./pinned-agents.ts";

export interface Exchange {
  url: URL;
  method: string;
  headers: [string, string][];
  body: Uint8Array | null;
}

export interface ExchangeLimits {
  egress: EgressConfig;
  policy: EgressPolicyOptions;
  /** Epoch ms by which the whole exchange must be over (the invocation's end). */
  deadline: number;
  /** The instance's connection pools, each pinned to one vetted address. */
  agents: PinnedAgents;
  /** Aborts the exchange until the head arrived; the body is destroyed by its reader. */
  signal: AbortSignal;
}

export interface ExchangeResult {
  status: number;
  statusText: string;
  headers: [string, string][];
  /** Decoded as it is read; whoever takes the result must read it to the end or destroy it. */
  body: Readable;
}

const DEADLINE_GRACE_MS = 250;

// Lenient at the end, as browsers and undici's fetch are: a body cut short after its last
// complete block gives what it had rather than an error.
const LENIENT = { flush: constants.Z_SYNC_FLUSH, finishFlush: constants.Z_SYNC_FLUSH };
const DECODERS: Record<string, () => Transform> = {
  gzip: () => createGunzip(LENIENT),
  "x-gzip": () => createGunzip(LENIENT),
  deflate: () => createInflate(LENIENT),
  br: () =>
    createBrotliDecompress({
      flush: constants.BROTLI_OPERATION_FLUSH,
      finishFlush: constants.BROTLI_OPERATION_FLUSH,
    }),
};

export async function exchange(target: Exchange, limits: ExchangeLimits): Promise<ExchangeResult> {
  const addresses = await vet(target.url, limits);
  // A little past the deadline: the invocation's watchdog fires first and answers FN_002
  // (ending the invocation aborts this exchange); the timer here is only the backstop.
  const remaining = limits.deadline + DEADLINE_GRACE_MS - Date.now();
  if (remaining <= 0) throw new HostCallError("TypeError", "fetch failed: the invocation has no time left");
  const signal = AbortSignal.any([limits.signal, AbortSignal.timeout(remaining)]);
  const dispatcher = limits.agents.get(target.url.origin, addresses);
  try {
    const response = await request(target.url, {
      method: target.method,
      headers: target.headers.flat(),
      body:
        target.body === null ? null : Buffer.from(target.body.buffer, target.body.byteOffset, target.body.byteLength),
      dispatcher,
      signal,
      headersTimeout: remaining,
      bodyTimeout: remaining,
    });
    const headers = headerList(response.headers);
    return { status: response.statusCode, statusText: response.statusText ?? "", ...decoded(response.body, headers) };
  } catch (error) {
    throw networkError(error, limits.signal);
  }
}

/** Every address of the host that the policy accepts (at least one, or the refusal). */
async function vet(url: URL, limits: ExchangeLimits): Promise<PinnedAddress[]> {
  const hostname = url.hostname.replace(/^\[|\]$/g, "");
  let addresses: PinnedAddress[];
  try {
    addresses = await lookup(hostname, { all: true, verbatim: true });
  } catch {
    throw new HostCallError("TypeError", `fetch failed: cannot resolve ${hostname}`);
  }
  let reason = "no address";
  const accepted: PinnedAddress[] = [];
  for (const candidate of addresses) {
    const verdict = checkDestination(url, candidate.address, limits.egress, limits.policy);
    if (verdict.ok) accepted.push({ address: candidate.address, family: candidate.family });
    else reason = verdict.reason;
  }
  if (accepted.length === 0) throw new HostCallError("TypeError", `fetch to ${hostname} is not allowed: ${reason}`);
  return accepted;
}

function headerList(headers: Record<string, string | string[] | undefined>): [string, string][] {
  const list: [string, string][] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) list.push([name, item]);
  }
  return list;
}

/**
 * Like fetch, bodies come decoded (https://fetch.spec.whatwg.org/#http-network-fetch step
 * 16). The headers then drop content-encoding and content-length, which describe the
 * encoded bytes, so the response can be returned by the function as it is.
 */
function decoded(body: Readable, headers: [string, string][]): { headers: [string, string][]; body: Readable } {
  const encoding = headers
    .find(([name]) => name === "content-encoding")?.[1]
    .trim()
    .toLowerCase();
  const decoder = encoding === undefined ? undefined : DECODERS[encoding];
  if (decoder === undefined) return { headers, body };
  const kept = headers.filter(([name]) => name !== "content-encoding" && name !== "content-length");
  // pipeline destroys the upstream body when the decoder is destroyed, and the other way round.
  return { headers: kept, body: pipeline(body, decoder(), () => undefined) };
}

function networkError(error: unknown, guestSignal: AbortSignal): Error {
  if (error instanceof HostCallError) return error;
  if (guestSignal.aborted) return new HostCallError("AbortError", "The operation was aborted");
  const name = error instanceof Error ? error.name : "";
  if (name === "TimeoutError" || name === "HeadersTimeoutError" || name === "BodyTimeoutError") {
    return new HostCallError("TypeError", "fetch failed: the invocation's time ran out");
  }
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  return new HostCallError("TypeError", `fetch failed: ${typeof code === "string" ? `${code}: ` : ""}${message}`);
}
