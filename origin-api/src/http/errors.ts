/**
 * The one place errors become the contract's envelope (contract 2.2):
 * `{"error": {"code", "message", "requestId", "details"?}}` with the code's status.
 * Unexpected errors are logged with the request id and answered with a generic message.
 */
import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { BunbaseError, errorBody, newRequestId, toBunbaseError, type Logger } from "../../../core/index.ts";
import type { AppEnv } from "./app-env.ts";

export function errorResponse(c: Context<AppEnv>, err: BunbaseError): Response {
  const requestId = c.get("requestId") ?? newRequestId();
  const headers = new Headers({ "content-type": "application/json", "x-request-id": requestId, ...err.headers });
  return new Response(JSON.stringify(errorBody(err, requestId)), { status: err.status, headers });
}

export function onError(log: Logger): ErrorHandler<AppEnv> {
  return function onError(thrown, c) {
    let err: BunbaseError;
    if (thrown instanceof HTTPException) {
      err = new BunbaseError(thrown.status >= 500 ? "FN_004" : "FN_006", thrown.message || "Bad request", {
        status: thrown.status,
      });
    } else {
      err = toBunbaseError(thrown);
    }
    if (err.status >= 500 && err.code === "FN_004") {
      log.error(
        { err: thrown, requestId: c.get("requestId"), method: c.req.method, path: c.req.path },
        "request failed",
      );
    }
    return errorResponse(c, err);
  };
}

export function notFound(): NotFoundHandler<AppEnv> {
  return function notFound(c) {
    return errorResponse(
      c,
      new BunbaseError("FN_001", "Route not found", { details: { method: c.req.method, path: c.req.path } }),
    );
  };
}

export function bodyTooLarge(limitBytes: number, headers?: Record<string, string>): BunbaseError {
  return new BunbaseError("FN_006", `Request body exceeds ${limitBytes / (1024 * 1024)} MB`, {
    status: 413,
    details: { path: "body", limitBytes },
    headers,
  });
}
