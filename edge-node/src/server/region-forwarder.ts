/**
 * `edge.geo[].region`: a request a geo rule assigns to another region goes to a live
 * node of that region (docs/edge.md, "Geo rules"). The nodes come from the origin's push
 * stream (OriginSync.peers); a node of the region is picked round robin, one that could
 * not be reached is skipped for a while, and with none left the request is served here.
 * Forwarded requests are signed (forward-signature.ts): the receiving node believes the
 * client address they carry and never forwards them again.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { BunbaseError, type FleetPeer, type Logger } from "../../../core/index.ts";
import { clientAddress, type TrustedProxies } from "../../../geo/index.ts";
import { FORWARDED_BY, Forwarder } from "./forward.ts";
import { FORWARDED_SIG, signForward, verifyForward } from "./forward-signature.ts";
import type { OriginSync } from "./origin-sync.ts";

/** A node that could not be reached is left out this long (or until the origin drops it). */
const SKIP_FAILED_MS = 10_000;
/**
 * An unsigned chain this long is refused (508), not served: the loop guard that needs no
 * trust (two nodes disagreeing about regions while their keys differ), which a client
 * sending a long chain cannot use to be served here instead of forwarded.
 */
const MAX_CHAIN = 4;
/** Beyond the function's own timeout, what a forwarded request may take to answer. */
const HOP_MARGIN_MS = 10_000;

export interface RegionForwarderOptions {
  nodeName: string;
  /** This node's BUNBASE_REGION: never forwarded to. */
  region: string;
  sync: OriginSync;
  trustedProxies: TrustedProxies;
  log: Logger;
  forwarder?: Forwarder;
  /** Counts each attempt (bunbase_edge_forwards_total). */
  onOutcome?(region: string, outcome: "forwarded" | "failed" | "unreachable" | "local"): void;
}

export interface RegionForward {
  requestId: string;
  /** The function's timeout (s): how long the target may take to answer. */
  timeoutSeconds: number;
  /** Response headers on an error answered here (`x-bunbase-edge-node`). */
  errorHeaders: Record<string, string>;
}

export class RegionForwarder {
  private readonly forwarder: Forwarder;
  private readonly failedUntil = new Map<string, number>();
  private turn = 0;

  constructor(private readonly options: RegionForwarderOptions) {
    this.forwarder = options.forwarder ?? new Forwarder({ nodeName: options.nodeName });
  }

  /** The client address of a request a fleet node forwarded and signed; null for any other request. */
  forwardedClient(req: IncomingMessage): string | null {
    const key = this.options.sync.peers?.forwardKey;
    const by = header(req, FORWARDED_BY);
    if (!key || by === undefined) return null;
    const claim = { by, method: req.method ?? "GET", path: req.url ?? "/" };
    return verifyForward(key, header(req, FORWARDED_SIG), claim);
  }

  /**
   * Sends the request to a node of `region` and streams its answer; false when this node
   * should serve it: its own region, a request already forwarded (`trusted`), no node of
   * the region known or none reachable.
   */
  async forward(
    req: IncomingMessage,
    res: ServerResponse,
    region: string,
    trusted: boolean,
    o: RegionForward,
  ): Promise<boolean> {
    const peers = this.options.sync.peers;
    if (trusted || region === this.options.region) return false;
    if (!peers) {
      this.options.onOutcome?.(region, "local");
      return false;
    }
    const chain = header(req, FORWARDED_BY);
    if (chain !== undefined && chain.split(",").length >= MAX_CHAIN)
      throw new BunbaseError("FN_006", "The request was forwarded between edge nodes too many times", {
        status: 508,
        details: { path: "edge.geo" },
      });
    const client = clientAddress(req.socket.remoteAddress, req.headers["x-forwarded-for"], this.options.trustedProxies);
    const by = chain === undefined ? this.options.nodeName : `${chain}, ${this.options.nodeName}`;
    const path = req.url ?? "/";
    for (const node of this.candidates(peers.nodes, region)) {
      const sig = signForward(peers.forwardKey, { by, client: client ?? "", method: req.method ?? "GET", path });
      const timeoutMs = o.timeoutSeconds * 1000 + HOP_MARGIN_MS;
      const result = await this.forwarder.forward(req, res, node.url, {
        requestId: o.requestId,
        headers: { [FORWARDED_SIG]: sig },
        headersTimeoutMs: timeoutMs,
        bodyTimeoutMs: timeoutMs,
        errorHeaders: o.errorHeaders,
        returnUnreachable: true,
      });
      if (result.outcome !== "unreachable") {
        this.options.onOutcome?.(region, result.outcome === "failed" ? "failed" : "forwarded");
        if (result.outcome === "failed")
          this.options.log.warn({ node: node.name, url: node.url, err: String(result.error.cause) }, "forward failed");
        return true;
      }
      this.options.onOutcome?.(region, "unreachable");
      this.failedUntil.set(`${node.name} ${node.url}`, Date.now() + SKIP_FAILED_MS);
      this.options.log.warn(
        { node: node.name, url: node.url, err: String(result.error) },
        "node unreachable; skipping it",
      );
    }
    this.options.onOutcome?.(region, "local");
    return false;
  }

  close(): Promise<void> {
    return this.forwarder.close();
  }

  /** The region's nodes to try, in order: round robin, the ones that just failed left out. */
  private candidates(nodes: FleetPeer[], region: string): FleetPeer[] {
    const now = Date.now();
    const live = nodes.filter(
      (n) =>
        n.region === region &&
        n.name !== this.options.nodeName &&
        (this.failedUntil.get(`${n.name} ${n.url}`) ?? 0) <= now,
    );
    if (live.length === 0) return [];
    const start = this.turn++ % live.length;
    return [...live.slice(start), ...live.slice(0, start)];
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
}
