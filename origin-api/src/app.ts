/** The origin's hono app: middleware in order, then one sub-app per resource. */
import { Hono } from "hono";
import type { AppEnv } from "./http/app-env.ts";
import { requireApiKey } from "./http/auth.ts";
import { limitBody } from "./http/body.ts";
import { notFound, onError } from "./http/errors.ts";
import { observe } from "./http/observe.ts";
import { requestId } from "./http/request-id.ts";
import { dataRoutes } from "./routes/data.ts";
import { deployRoutes } from "./routes/deploy.ts";
import { envRoutes } from "./routes/env.ts";
import { eventRoutes } from "./routes/events.ts";
import { functionRoutes } from "./routes/functions.ts";
import { internalRoutes } from "./routes/internal.ts";
import { invokeRoutes } from "./routes/invoke.ts";
import { keyRoutes } from "./routes/keys.ts";
import { logRoutes } from "./routes/logs.ts";
import { metricRoutes } from "./routes/metrics.ts";
import { nodeRoutes } from "./routes/nodes.ts";
import { scheduleRoutes } from "./routes/schedules.ts";
import { sdkRoutes } from "./routes/sdk.ts";
import { secretRoutes } from "./routes/secrets.ts";
import { systemRoutes } from "./routes/system.ts";
import { isWebhookPath, webhookRoutes } from "./routes/webhooks.ts";
import type { Services } from "./services/index.ts";

const RESOURCES = [
  systemRoutes,
  functionRoutes,
  deployRoutes,
  envRoutes,
  invokeRoutes,
  eventRoutes,
  logRoutes,
  metricRoutes,
  secretRoutes,
  keyRoutes,
  nodeRoutes,
  dataRoutes,
  scheduleRoutes,
  webhookRoutes,
  sdkRoutes,
  internalRoutes,
];

export function createApp(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use("*", requestId());
  app.use("*", observe(s.prometheus));
  const apiKey = requireApiKey(s.keys);
  // Webhooks carry no API key: their signature is checked by the receiver (routes/webhooks.ts).
  app.use("*", (c, next) => (isWebhookPath(c.req.path) ? next() : apiKey(c, next)));
  app.use("*", limitBody());
  for (const routes of RESOURCES) app.route("/", routes(s));
  app.notFound(notFound());
  app.onError(onError(s.log));
  return app;
}
