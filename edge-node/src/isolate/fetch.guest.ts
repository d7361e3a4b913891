/**
 * `fetch()` (https://fetch.spec.whatwg.org/#fetch-method) inside the isolate: the request
 * is normalized by the runtime's own Request class, its body read whole (10 MB at most),
 * and a copy goes to the host, which applies the egress rules, follows redirects and
 * answers with a copy of the response's head. The answer becomes a real Response of the
 * runtime whose body streams from the host as it is read (fetch-body.guest.ts).
 */
import type { ReadableStream } from "web-streams-polyfill";
import type { AbortSignal } from "./abort.guest.ts";
import { BodyTooLargeError } from "./body.guest.ts";
import { fetchedBody } from "./fetch-body.guest.ts";
import type { HostCalls } from "./host-calls.guest.ts";
import { MAX_RESULT_BYTES, type FetchAnswer } from "./protocol.ts";
import { Request, Response, type RequestInit } from "./request-response.guest.ts";

export function createFetch(host: HostCalls) {
  return async function fetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
    const request = new Request(input, init);
    const signal = request.signal;
    signal.throwIfAborted();
    let body: Uint8Array | null = null;
    if (request.body !== null) {
      try {
        body = await request.consumeBytes(MAX_RESULT_BYTES);
      } catch (error) {
        if (error instanceof BodyTooLargeError) {
          throw new TypeError(`fetch: the request body exceeds ${MAX_RESULT_BYTES} bytes`, { cause: error });
        }
        throw error;
      }
    }
    signal.throwIfAborted();
    const call = host.start("fetch", {
      url: request.url,
      method: request.method,
      headers: [...request.headers],
      body,
      redirect: request.redirect,
    });
    const answer = (await abortable(call.result, signal, () => host.notify("abort", call.id))) as FetchAnswer;
    return toResponse(answer, answer.body === null ? null : fetchedBody(host, answer.body, signal));
  };
}

/** Rejects with the signal's reason as soon as it aborts, and tells the host to stop. */
function abortable<T>(work: Promise<T>, signal: AbortSignal, stop: () => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      stop();
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

/** `body` is null when the host found the response has none (HEAD, 204, 304...). */
function toResponse(answer: FetchAnswer, body: ReadableStream<Uint8Array> | null): Response {
  const { status } = answer;
  // The Response constructor only takes 200-599; an upstream may answer anything 100-999.
  const constructible = status >= 200 && status <= 599 ? status : 200;
  const response = new Response(body, {
    status: constructible,
    statusText: answer.statusText,
    headers: answer.headers,
  });
  if (constructible !== status) Object.defineProperty(response, "status", { value: status });
  Object.defineProperty(response, "url", { value: answer.url });
  Object.defineProperty(response, "redirected", { value: answer.redirected });
  return response;
}
