/**
 * Origin fallback (docs/runtimes.md, "Through the edge"): a function placed on the origin
 * runs in the origin's containers, so after the edge rules had their say the request goes
 * to the origin API's `/internal/run/<path>` (forward.ts: keep-alive pool, bodies streamed
 * both ways, 502/504 with the contract's codes when the origin fails). The node key
 * authenticates this node; the client's own `authorization` travels beside it. The
 * function, environment, invocation id and pinned version are this node's word: the
 * client's `x-bunbase-*` headers never pass.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { INTERNAL_HEADERS } from "../../../core/index.ts";
import type { HeaderList } from "../rules/index.ts";
import { Forwarder } from "./forward.ts";
import type { Target } from "./invoke-service.ts";

const CLIENT_AUTHORIZATION = "x-bunbase-client-authorization";
/** Beyond the function's own timeout, what the origin may take to answer (a container's cold start). */
const HOP_MARGIN_MS = 15_000;

export interface OriginForwarderOptions {
  nodeName: string;
  apiUrl: string;
  apiKey: string;
  onOutcome?(outcome: "forwarded" | "failed"): void;
}

export interface OriginCall {
  target: Target;
  /** `/path?query` after rewrites. */
  path: string;
  invocationId: string;
  /** This node's config revision: the runner first waits until it holds it too. */
  revision: number;
  /** Headers this node adds for the handler (geo, A/B variant). */
  requestHeaders: [string, string][];
  /** Headers the edge rules add to the answer (CORS, the A/B cookie). */
  responseHeaders?: HeaderList;
  errorHeaders: Record<string, string>;
}

export class OriginForwarder {
  private readonly forwarder: Forwarder;

  constructor(private readonly options: OriginForwarderOptions) {
    this.forwarder = new Forwarder({ nodeName: options.nodeName });
  }

  async forward(req: IncomingMessage, res: ServerResponse, call: OriginCall): Promise<void> {
    const { fn, environment, active } = call.target;
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.options.apiKey}`,
      [INTERNAL_HEADERS.functionId]: fn.id,
      [INTERNAL_HEADERS.environment]: environment,
      [INTERNAL_HEADERS.invocationId]: call.invocationId,
      [INTERNAL_HEADERS.revision]: String(call.revision),
    };
    const clientAuthorization = req.headers.authorization;
    if (clientAuthorization) headers[CLIENT_AUTHORIZATION] = clientAuthorization;
    // An A/B variant may pin another version than the environment's.
    if (fn.versions[environment]?.version !== active.version) {
      headers[INTERNAL_HEADERS.version] = String(active.version);
      headers[INTERNAL_HEADERS.bundleHash] = active.bundleHash;
      headers[INTERNAL_HEADERS.exportName] = active.exportName;
      headers[INTERNAL_HEADERS.placement] = "origin";
    }
    for (const [name, value] of call.requestHeaders) headers[name.toLowerCase()] = value;
    const timeoutMs = (fn.config.timeout ?? 30) * 1000 + HOP_MARGIN_MS;
    const result = await this.forwarder.forward(req, res, new URL("/internal/run", this.options.apiUrl).href, {
      requestId: call.invocationId,
      path: call.path,
      headers,
      dropHeader: (name) => name === "authorization" || name.startsWith("x-bunbase-"),
      responseHeaders: call.responseHeaders?.map(([name, value]) => [name, value] as [string, string]),
      headersTimeoutMs: timeoutMs,
      bodyTimeoutMs: timeoutMs,
      errorHeaders: call.errorHeaders,
    });
    this.options.onOutcome?.(result.outcome === "forwarded" ? "forwarded" : "failed");
  }

  /**
   * A webhook trigger's public path: to the origin's `/webhooks<path>`, which checks the
   * signature itself (no key of ours: the origin must not mistake it for an API call).
   */
  async forwardWebhook(req: IncomingMessage, res: ServerResponse, path: string, requestId: string): Promise<void> {
    const node: [string, string] = ["x-bunbase-edge-node", this.options.nodeName];
    const result = await this.forwarder.forward(req, res, new URL("/webhooks", this.options.apiUrl).href, {
      requestId,
      path,
      dropHeader: (name) => name === "authorization",
      responseHeaders: [node],
      errorHeaders: Object.fromEntries([node]),
    });
    this.options.onOutcome?.(result.outcome === "forwarded" ? "forwarded" : "failed");
  }

  close(): Promise<void> {
    return this.forwarder.close();
  }
}
