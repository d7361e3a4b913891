/** The shapes `@bunbase/functions` composes (contract section 4). Types only. */

/** What a handler receives besides the request. */
export interface Context {
  env: Record<string, string>;
  geo?: Record<string, string | number | undefined>;
  /** The verified claims of `edge.auth`, or of an `auth()` middleware earlier in the chain. */
  auth?: Record<string, unknown>;
  /** The invocation id (also the `x-bunbase-invocation-id` response header). */
  requestId?: string;
  waitUntil(promise: Promise<unknown>): void;
  [key: string]: unknown;
}

export type Handler = (req: Request, ctx: Context) => Response | Promise<Response>;
export type Middleware = (req: Request, ctx: Context, next: () => Promise<Response>) => Promise<Response>;
