/**
 * Fetch `Request` and `Response` (https://fetch.spec.whatwg.org/#request-class,
 * #response-class) for the common cases user code meets: constructing, reading and
 * cloning. Bodies are handled by the Body mixin.
 */
import { AbortSignal } from "./abort.guest.ts";
import { Body, extractBody, type BodyInit } from "./body.guest.ts";
import { Headers, headersFromHost, makeImmutable, type HeadersInit } from "./headers.guest.ts";

export interface RequestInit {
  method?: string;
  headers?: HeadersInit;
  body?: BodyInit | null;
  redirect?: "follow" | "error" | "manual";
  signal?: AbortSignal | null;
}

export interface ResponseInit {
  status?: number;
  statusText?: string;
  headers?: HeadersInit;
}

const NORMALIZED_METHODS = ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"];
const NULL_BODY_STATUSES = [101, 103, 204, 205, 304];
const REDIRECT_STATUSES = [301, 302, 303, 307, 308];

function normalizeMethod(method: string): string {
  const upper = method.toUpperCase();
  if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(method)) throw new TypeError(`Invalid method: ${method}`);
  if (["CONNECT", "TRACE", "TRACK"].includes(upper)) throw new TypeError(`Forbidden method: ${method}`);
  return NORMALIZED_METHODS.includes(upper) ? upper : method;
}

function withContentType(headers: Headers, contentType: string | null): Headers {
  if (contentType !== null && !headers.has("content-type")) headers.set("content-type", contentType);
  return headers;
}

/** Set by hostRequest() for the one constructor call it makes; taken by that call first thing. */
let fromHost: (() => AbortSignal) | null = null;

/**
 * The invocation's own Request. Its URL was parsed and serialized by the host (Node's
 * WHATWG URL), so it is taken as it is, which keeps the URL polyfill out of the request
 * path (url.guest.ts); its headers were checked by Node's parser, so they are taken as
 * they are (headersFromHost); its signal is made when user code first reads `request.signal`
 * (most handlers never do, and an AbortController is a good part of what a request costs).
 * Not reachable from user code.
 */
export function hostRequest(
  url: string,
  init: { method: string; headers: [string, string][]; body: BodyInit | null },
  signal: () => AbortSignal,
): Request {
  fromHost = signal;
  return new Request(url, init);
}

function parseUrl(input: unknown): string {
  return new URL(String(input)).href;
}

export class Request extends Body {
  readonly method: string;
  readonly url: string;
  readonly headers: Headers;
  readonly redirect: "follow" | "error" | "manual";
  /** The signal, or what makes it on first read (a request of its own gets a signal never aborted). */
  #signal: AbortSignal | (() => AbortSignal) | null;

  constructor(input: string | URL | Request, init: RequestInit = {}) {
    const host = fromHost;
    fromHost = null;
    const base = input instanceof Request ? input : null;
    const method = normalizeMethod(init.method ?? base?.method ?? "GET");
    const hasBody = init.body !== undefined && init.body !== null;
    if (hasBody && (method === "GET" || method === "HEAD")) {
      throw new TypeError("Request with GET/HEAD method cannot have body.");
    }
    const extracted = extractBody(init.body);
    let bytes = extracted.bytes;
    let stream = extracted.stream;
    if (!hasBody && base !== null && init.body === undefined) [bytes, stream] = base.cloneParts();
    super(bytes, stream);
    this.method = method;
    this.url = base !== null ? base.url : host !== null ? String(input) : parseUrl(input);
    const headers =
      host !== null ? headersFromHost(init.headers as [string, string][]) : new Headers(init.headers ?? base?.headers);
    this.headers = withContentType(headers, extracted.contentType);
    this.redirect = init.redirect ?? base?.redirect ?? "follow";
    this.#signal = init.signal ?? host ?? base?.signal ?? null;
  }

  get signal(): AbortSignal {
    const signal = this.#signal;
    if (signal instanceof AbortSignal) return signal;
    const made = signal === null ? new AbortSignal() : signal();
    this.#signal = made;
    return made;
  }

  clone(): Request {
    return new Request(this);
  }

  get [Symbol.toStringTag](): string {
    return "Request";
  }
}

export class Response extends Body {
  readonly status: number;
  readonly statusText: string;
  readonly headers: Headers;
  readonly type: "default" | "error";
  readonly url = "";
  readonly redirected = false;

  constructor(body?: BodyInit | null, init: ResponseInit = {}) {
    const status = init.status ?? 200;
    if (!Number.isInteger(status) || status < 200 || status > 599) {
      throw new RangeError(`Response status must be an integer in 200-599, got ${String(status)}`);
    }
    const extracted = extractBody(body);
    if ((extracted.bytes !== null || extracted.stream !== null) && NULL_BODY_STATUSES.includes(status)) {
      throw new TypeError(`Response with status ${status} cannot have a body`);
    }
    super(extracted.bytes, extracted.stream);
    this.status = status;
    this.statusText = init.statusText ?? "";
    this.headers = withContentType(new Headers(init.headers), extracted.contentType);
    this.type = "default";
  }

  get ok(): boolean {
    return this.status >= 200 && this.status <= 299;
  }

  clone(): Response {
    if (this.type === "error") return Response.error();
    const [bytes, stream] = this.cloneParts();
    const init = { status: this.status, statusText: this.statusText, headers: this.headers };
    return new Response(stream ?? bytes, init);
  }

  static json(data: unknown, init: ResponseInit = {}): Response {
    const text = JSON.stringify(data);
    if (text === undefined) throw new TypeError("Response.json: value is not JSON-serializable");
    const headers = new Headers(init.headers);
    if (!headers.has("content-type")) headers.set("content-type", "application/json");
    return new Response(text, { status: init.status, statusText: init.statusText, headers });
  }

  static redirect(url: string | URL, status = 302): Response {
    if (!REDIRECT_STATUSES.includes(status)) throw new RangeError(`Invalid redirect status: ${status}`);
    const location = new URL(String(url)).href;
    const response = new Response(null, { status, headers: { location } });
    makeImmutable(response.headers);
    return response;
  }

  static error(): Response {
    const response = new Response(null, { status: 200 });
    // A network error: status 0, which no handler may return (the host refuses it).
    Object.defineProperty(response, "status", { value: 0 });
    Object.defineProperty(response, "type", { value: "error" });
    makeImmutable(response.headers);
    return response;
  }

  get [Symbol.toStringTag](): string {
    return "Response";
  }
}
