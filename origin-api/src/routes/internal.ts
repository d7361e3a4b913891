/** Routes for edge nodes and the runner (node or admin key): docs/internals/design.md. */
import { Hono } from "hono";
import { BunbaseError, invalid, type FleetPeer, type FleetPeers } from "../../../core/index.ts";
import type { AppEnv } from "../http/app-env.ts";
import { readJson } from "../http/body.ts";
import { serveSse } from "../http/sse.ts";
import { BUNDLE_HASH } from "../store/index.ts";
import type { Services } from "../services/index.ts";
import { buildSnapshot } from "../services/snapshot.ts";
import { ingestTelemetry, parseTelemetry } from "../services/telemetry.ts";
import { proxyToRunner } from "../services/run-proxy.ts";

export function internalRoutes(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get("/internal/snapshot", (c) => c.json(buildSnapshot(s.store, s.variables)));

  app.get("/internal/stream", (c) =>
    serveSse(c, async (stream) => {
      let chain = stream.writeSSE({ event: "revision", data: JSON.stringify({ revision: s.bus.revision }) });
      await chain;
      const send = (event: string, value: unknown) => {
        chain = chain.then(() => stream.writeSSE({ event, data: JSON.stringify(value) })).catch(() => stream.abort());
      };
      // The live nodes travel here, not in the snapshot: they change with reports, not with
      // the config, and a change costs each node one small event instead of a refetch.
      const peers = (nodes: FleetPeer[]): FleetPeers => ({ nodes, forwardKey: s.forwardKey });
      send("peers", peers(s.nodes.peers()));
      const onRevision = (revision: number) => send("revision", { revision });
      s.bus.on("revision", onRevision);
      const stopPeers = s.nodes.onPeers((nodes) => send("peers", peers(nodes)));
      return () => {
        s.bus.off("revision", onRevision);
        stopPeers();
      };
    }),
  );

  app.get("/internal/bundles/:hash", async (c) => {
    const hash = c.req.param("hash");
    if (!BUNDLE_HASH.test(hash)) throw invalid("hash", "a bundle hash is sha256:<64 hex digits>");
    const bundle = await s.store.bundles.read(hash);
    if (!bundle) throw new BunbaseError("FN_001", `Bundle ${hash} not found`);
    return c.json(bundle);
  });

  app.post("/internal/telemetry", async (c) => {
    const batch = parseTelemetry(await readJson(c));
    return c.json({ accepted: ingestTelemetry(s.store, s.logs, s.prometheus, s.inFlight, batch) });
  });

  app.put("/internal/nodes/:name", async (c) => c.json(s.nodes.report(c.req.param("name"), await readJson(c))));

  app.get("/internal/wait", async (c) => {
    const revision = Number(c.req.query("revision") ?? 0);
    if (!Number.isInteger(revision) || revision < 0) throw invalid("revision", "must be a non-negative integer");
    const timeoutMs = Math.min(Math.max(Number(c.req.query("timeoutMs") ?? 5000) || 0, 0), 30_000);
    const reached = await s.bus.wait(revision, timeoutMs, c.req.raw.signal);
    return c.json({ revision: s.bus.revision }, reached ? 200 : 504);
  });

  // An edge node forwards requests for origin-placed functions here (docs/runtimes.md): the
  // runner runs them in containers. Any method, the function's own path after /internal/run.
  app.all("/internal/run/*", (c) => proxyToRunner(c, s.runner));

  return app;
}
