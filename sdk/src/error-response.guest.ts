/** A refusal: what the edge would have answered. */
export interface Refusal {
  status: number;
  code: string;
  message: string;
  headers: Record<string, string>;
  details?: Record<string, unknown>;
}

/**
 * The contract's error envelope (contract 2.2; core/src/errors.ts `errorBody`), as the
 * edge writes its own rejections: `{"error": {"code", "message", "requestId", "details"?}}`
 * as JSON, `requestId` being the invocation id (`ctx.requestId` on an edge node).
 */
export function errorResponse(refusal: Refusal, requestId: unknown): Response {
  const { status, code, message, headers, details } = refusal;
  const error: Record<string, unknown> = { code, message };
  if (typeof requestId === "string") error.requestId = requestId;
  if (details !== undefined) error.details = details;
  return new Response(JSON.stringify({ error }), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

/** Copies a response (its headers may be immutable, e.g. from fetch()) with `headers` set on it. */
export function withHeaders(response: Response, headers: Record<string, string>): Response {
  const out = new Response(response.body, response);
  for (const [name, value] of Object.entries(headers)) out.headers.set(name, value);
  return out;
}

/** What an auth check found: claims, or the refusal to answer instead of calling the next layer. */
export type AuthOutcome = { ok: true; claims: Record<string, unknown> } | ({ ok: false } & Refusal);

/** 401 FN_009 with its challenge, as the edge answers. */
export function unauthorized(message: string, challenge: string): AuthOutcome {
  return { ok: false, status: 401, code: "FN_009", message, headers: { "www-authenticate": challenge } };
}
