/**
 * `@bunbase/sdk`: the platform services user code calls (`db`, `storage`, `auth`, `queue`).
 * They arrive with the triggers issue; until then every method rejects with an error that
 * says so, rather than failing with "undefined is not a function". Self-contained on
 * purpose: the bundler loads this file as one virtual module.
 */

type Unavailable = (...args: unknown[]) => Promise<never>;

function unavailable(service: string, methods: readonly string[]): Record<string, Unavailable> {
  const api: Record<string, Unavailable> = {};
  for (const method of methods) {
    api[method] = () =>
      Promise.reject(
        new Error(
          `@bunbase/sdk ${service}.${method}() is not available yet: the ${service} service is not part of this release`,
        ),
      );
  }
  return Object.freeze(api);
}

export const db = unavailable("db", ["get", "list", "create", "update", "delete", "query"]);
export const storage = unavailable("storage", ["get", "put", "delete", "list", "signedUrl"]);
export const auth = unavailable("auth", ["getUser", "verifyToken", "listUsers"]);
export const queue = unavailable("queue", ["send", "sendBatch"]);
