/**
 * The client's address (contract section 5): the socket's peer, unless the peer is a
 * trusted proxy (`BUNBASE_TRUSTED_PROXIES`, comma-separated CIDRs), in which case
 * `x-forwarded-for` is read from the right, skipping trusted hops, and the first address
 * no proxy of ours added is the client's. A client cannot forge its way past a rule by
 * sending its own `x-forwarded-for`: only hops appended by trusted proxies count.
 */
import { CidrList, canonicalAddress, parseAddress } from "./cidr-list.ts";

export class ClientAddress {
  readonly #trusted: CidrList;

  constructor(trustedProxies: string | undefined = process.env.BUNBASE_TRUSTED_PROXIES) {
    const entries = (trustedProxies ?? "")
      .split(",")
      .map((entry) => entry.trim())
      .filter((entry) => entry.length > 0);
    this.#trusted = new CidrList(entries);
  }

  of(peer: string | undefined, forwardedFor: string | string[] | undefined): string {
    const socket = canonicalAddress(peer ?? "");
    if (this.#trusted.size === 0 || !this.#trusted.has(socket) || forwardedFor === undefined) return socket;
    const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(",") : forwardedFor)
      .split(",")
      .map((hop) => hop.trim())
      .filter((hop) => hop.length > 0);
    for (let i = hops.length - 1; i >= 0; i--) {
      if (!parseAddress(hops[i])) return socket; // garbage in the chain: trust only the socket
      const hop = canonicalAddress(hops[i]);
      if (!this.#trusted.has(hop)) return hop;
    }
    return hops.length > 0 ? canonicalAddress(hops[0]) : socket;
  }
}
