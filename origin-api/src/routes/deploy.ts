/** `POST /functions/:id/deploy` with the bodies of contract 2.1. */
import { Hono, type Context } from "hono";
import { invalid } from "../../../core/index.ts";
import type { AppEnv } from "../http/app-env.ts";
import { readJson } from "../http/body.ts";
import { sourceFromJson, type DeploySource } from "../services/deploy-sources.ts";
import type { DeployOptions } from "../services/deployer.ts";
import { parseEnvironment } from "../services/environments.ts";
import type { Services } from "../services/index.ts";

const OCI = /^application\/vnd\.oci\.image\.(layout\.v1\+tar|manifest)/;

export function deployRoutes(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.post("/functions/:id/deploy", async (c) => {
    const fn = s.functions.get(c.req.param("id"));
    const { source, options } = await readDeployBody(c);
    try {
      const deployment = await s.deployer.deploy(fn, source, options);
      s.prometheus.deploys.inc({ outcome: "ok" });
      return c.json(deployment, 201);
    } catch (err) {
      s.prometheus.deploys.inc({ outcome: "failed" });
      throw err;
    }
  });

  return app;
}

async function readDeployBody(c: Context): Promise<{ source: DeploySource; options: DeployOptions }> {
  const type = (c.req.header("content-type") ?? "application/json").split(";")[0].trim().toLowerCase();
  if (OCI.test(type)) {
    const data = Buffer.from(await c.req.arrayBuffer());
    if (data.length === 0) throw invalid("body", "the image archive is empty");
    const q = c.req.query();
    return { source: { kind: "image", data }, options: optionsFrom(q.environment, q.message, "query.") };
  }
  if (type === "application/json") {
    const body = await readJson(c);
    return { source: sourceFromJson(body), options: optionsFrom(body.environment, body.message, "") };
  }
  if (
    ["application/gzip", "application/x-gzip", "application/x-tar", "application/tar", "application/x-gtar"].includes(
      type,
    )
  ) {
    const data = Buffer.from(await c.req.arrayBuffer());
    if (data.length === 0) throw invalid("body", "the tarball is empty");
    const gzip = data[0] === 0x1f && data[1] === 0x8b;
    const q = c.req.query();
    return { source: { kind: "tarball", data, gzip }, options: optionsFrom(q.environment, q.message, "query.") };
  }
  throw invalid(
    "content-type",
    "deploy with application/json, application/gzip, application/x-tar or application/vnd.oci.image.layout.v1+tar",
  );
}

function optionsFrom(environment: unknown, message: unknown, prefix: string): DeployOptions {
  if (message !== undefined && (typeof message !== "string" || message.length > 1000)) {
    throw invalid(`${prefix}message`, "must be a string of at most 1000 characters");
  }
  return {
    environment: parseEnvironment(environment, `${prefix}environment`),
    message: (message as string | undefined) ?? null,
  };
}
