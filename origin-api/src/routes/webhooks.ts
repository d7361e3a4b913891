/**
 * `POST /webhooks<path>`: the public entry of webhook triggers (docs/triggers.md). No API
 * key: the signature is the authentication (app.ts lets these paths past requireApiKey).
 */
import { Hono } from "hono";
import { BunbaseError } from "../../../core/index.ts";
import type { AppEnv } from "../http/app-env.ts";
import type { Services } from "../services/index.ts";

export const WEBHOOK_PREFIX = "/webhooks";

/** Requests requireApiKey lets through: the webhook receiver authenticates them itself. */
export function isWebhookPath(path: string): boolean {
  return path.startsWith(`${WEBHOOK_PREFIX}/`);
}

export function webhookRoutes(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.post(`${WEBHOOK_PREFIX}/*`, async (c) => {
    const body = Buffer.from(await c.req.arrayBuffer());
    const accepted = s.webhooks.receive({
      path: c.req.path.slice(WEBHOOK_PREFIX.length),
      header: (name) => c.req.header(name),
      body,
    });
    return c.json(accepted, accepted.duplicate ? 200 : 202);
  });

  app.all(`${WEBHOOK_PREFIX}/*`, (c) => {
    throw new BunbaseError("FN_006", `Method ${c.req.method} is not allowed for webhooks: use POST`, {
      status: 405,
      details: { path: "method" },
      headers: { allow: "POST" },
    });
  });

  return app;
}
