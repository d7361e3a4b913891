import type { ApiKeyRow } from "../store/index.ts";

/** What middleware puts on the hono context for the handlers after it. */
export interface AppEnv {
  Variables: {
    requestId: string;
    apiKey: ApiKeyRow;
  };
}
