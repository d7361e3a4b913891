/**
 * Trusted proxies (`BUNBASE_TRUSTED_PROXIES`) and the client address they vouch for
 * (contract section 5): `x-forwarded-for` is believed only when the socket peer is one of
 * them, and then only up to the first hop that is not.
 */
import { invalid } from "../core/src/errors.ts";
import { formatIpAddress, parseIpAddress, type IpAddress } from "./ip-address.ts";

export const TRUSTED_PROXIES_ENV = "BUNBASE_TRUSTED_PROXIES";

type Range = [IpAddress, number];

/** A parsed list of trusted proxy addresses and CIDR blocks, IPv4 and IPv6. */
export class TrustedProxies {
  readonly #ranges: readonly Range[];

  /** The entries in their canonical `address/prefix` form, for logs and /health. */
  readonly entries: readonly string[];

  private constructor(ranges: readonly Range[]) {
    this.#ranges = ranges;
    this.entries = ranges.map(([net, bits]) => `${formatIpAddress(net)}/${bits}`);
  }

  /** No proxy is trusted: every client address is the socket peer. */
  static readonly none = new TrustedProxies([]);

  /**
   * Parses a comma-separated list like `10.0.0.0/8, 2001:db8::/32, 127.0.0.1`. Empty
   * entries (a trailing comma) are ignored; a bad one is FN_006 naming it and `setting`.
   */
  static parse(value: string | undefined, setting = TRUSTED_PROXIES_ENV): TrustedProxies {
    const ranges: Range[] = [];
    const entries = (value ?? "").split(",").map((entry) => entry.trim());
    entries.forEach((entry, index) => {
      if (entry === "") return;
      const range = parseRange(entry);
      if (range === null) {
        throw invalid(setting, `entry ${index + 1} "${entry}" is not an IP address or CIDR block`, { entry });
      }
      ranges.push(range);
    });
    return new TrustedProxies(ranges);
  }

  /** Reads `BUNBASE_TRUSTED_PROXIES` from `env`; unset or empty trusts nobody. */
  static fromEnv(env: NodeJS.ProcessEnv = process.env): TrustedProxies {
    return TrustedProxies.parse(env[TRUSTED_PROXIES_ENV]);
  }

  get size(): number {
    return this.#ranges.length;
  }

  /** Whether `address` (a string in any spelling parseIpAddress accepts, or parsed) is trusted. */
  contains(address: string | IpAddress): boolean {
    const parsed = typeof address === "string" ? parseIpAddress(address) : address;
    if (parsed === null) return false;
    return this.#ranges.some(([net, bits]) => net.kind() === parsed.kind() && parsed.match(net, bits));
  }
}

/**
 * `1.2.3.4`, `10.0.0.0/8`, `2001:db8::/32`, `::ffff:10.0.0.0/104` (becomes `10.0.0.0/8`).
 * A bare address is a /32 or /128. The address part must pass parseIpAddress's strict rules.
 */
function parseRange(entry: string): Range | null {
  const slash = entry.indexOf("/");
  const address = parseIpAddress(slash < 0 ? entry : entry.slice(0, slash));
  if (address === null) return null;
  const max = address.kind() === "ipv4" ? 32 : 128;
  if (slash < 0) return [address, max];
  const prefixText = entry.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText)) return null;
  const prefix = Number(prefixText);
  // An IPv4-mapped block was unwrapped to IPv4 by parseIpAddress: its prefix counts the
  // 96 mapping bits too.
  const written = entry.slice(0, slash).includes(":") && address.kind() === "ipv4" ? prefix - 96 : prefix;
  if (written < 0 || written > max) return null;
  return [address, written];
}

/**
 * The client's address (contract section 5). The socket peer, unless it is a trusted
 * proxy; then the right-most `x-forwarded-for` entry that is not a trusted proxy, walking
 * from the right as each proxy appended its own peer. The walk stops, answering the last
 * trusted hop, at an entry that is not an address (`unknown`, junk): a trusted proxy wrote
 * it, so nothing to its left can be vouched for. When every entry is trusted the left-most
 * one is the client. Answers the canonical spelling (IPv4-mapped IPv6 as IPv4), or null
 * when the socket peer is unknown (a socket already closed) or not an address.
 */
export function clientAddress(
  socketAddress: string | null | undefined,
  forwardedFor: string | readonly string[] | null | undefined,
  trustedProxies: TrustedProxies,
): string | null {
  const peer = socketAddress == null ? null : parseIpAddress(socketAddress);
  if (peer === null) return null;
  let client = peer;
  if (trustedProxies.contains(peer)) {
    const hops = forwardedHops(forwardedFor);
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = parseIpAddress(hops[i]);
      if (hop === null) break;
      client = hop;
      if (!trustedProxies.contains(hop)) break;
    }
  }
  return formatIpAddress(client);
}

/** The entries of one or more `x-forwarded-for` headers, in order, without empty ones. */
function forwardedHops(forwardedFor: string | readonly string[] | null | undefined): string[] {
  if (forwardedFor == null) return [];
  const joined = typeof forwardedFor === "string" ? forwardedFor : forwardedFor.join(",");
  return joined
    .split(",")
    .map((hop) => hop.trim())
    .filter((hop) => hop !== "");
}
