/**
 * One HTTP exchange of a guest's fetch, to an address vetted by egress-policy.ts: the host
 * name is resolved once here, every address is checked, and connections go only to the
 * addresses that passed (through a connection pool pinned to them, see pinned-agents.ts),
 * so a second DNS answer can never steer a socket elsewhere. The
 * response body is read whole, up to a cap.
 */
import { lookup } from "node:dns/promises";
import { promisify } from "node:util";
import { brotliDecompress, gunzip, inflate } from "node:zlib";
import { request } from "undici";
import { checkDestination, type EgressConfig, type EgressPolicyOptions } from "./egress-policy.ts";
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
  maxBodyBytes: number;
  signal: AbortSignal;
}

export interface ExchangeResult {
  status: number;
  statusText: string;
  headers: [string, string][];
  body: Uint8Array;
}

const DEADLINE_GRACE_MS = 250;

type Decoder = (input: Uint8Array, options: { maxOutputLength: number }) => Promise<Buffer>;
const DECODERS: Record<string, Decoder> = {
  gzip: promisify(gunzip) as Decoder,
  "x-gzip": promisify(gunzip) as Decoder,
  deflate: promisify(inflate) as Decoder,
  br: promisify(brotliDecompress) as Decoder,
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
    const raw = await readCapped(response.body, limits.maxBodyBytes);
    const body = await decode(raw, headers, limits.maxBodyBytes);
    return { status: response.statusCode, statusText: response.statusText ?? "", headers, body };
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

async function readCapped(body: AsyncIterable<Uint8Array> & { destroy(): void }, limit: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of body) {
    total += chunk.byteLength;
    if (total > limit) {
      body.destroy();
      throw new HostCallError("TypeError", `fetch failed: the response body exceeds ${limit} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}

/** Like fetch, bodies come decoded (https://fetch.spec.whatwg.org/#http-network-fetch step 16). */
async function decode(raw: Uint8Array, headers: [string, string][], limit: number): Promise<Uint8Array> {
  const encoding = headers
    .find(([name]) => name === "content-encoding")?.[1]
    .trim()
    .toLowerCase();
  const decoder = encoding === undefined ? undefined : DECODERS[encoding];
  if (decoder === undefined || raw.byteLength === 0) return raw;
  try {
    return await decoder(raw, { maxOutputLength: limit });
  } catch {
    throw new HostCallError(
      "TypeError",
      `fetch failed: the ${encoding} response body is corrupt or exceeds ${limit} bytes`,
    );
  }
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
