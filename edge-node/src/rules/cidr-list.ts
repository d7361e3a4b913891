/**
 * A set of IPv4/IPv6 CIDR blocks (or bare addresses), parsed once with ipaddr.js. An
 * IPv4-mapped IPv6 client (`::ffff:203.0.113.7`, what a dual-stack socket reports) is
 * matched as the IPv4 address it carries.
 */
import ipaddr from "ipaddr.js";

type Address = ipaddr.IPv4 | ipaddr.IPv6;

export class CidrList {
  readonly #ranges: [Address, number][];

  constructor(entries: readonly string[]) {
    this.#ranges = entries.map(parseRange);
  }

  get size(): number {
    return this.#ranges.length;
  }

  /** False for an address that does not parse (it belongs to no block). */
  has(address: string): boolean {
    const parsed = parseAddress(address);
    if (!parsed) return false;
    const kind = parsed.kind();
    return this.#ranges.some((range) => range[0].kind() === kind && parsed.match(range));
  }
}

function parseRange(entry: string): [Address, number] {
  if (entry.includes("/")) {
    const [address, bits] = ipaddr.parseCIDR(entry);
    return [unmap(address), address.kind() === "ipv6" && unmap(address).kind() === "ipv4" ? bits - 96 : bits];
  }
  const address = ipaddr.process(entry);
  return [address, address.kind() === "ipv4" ? 32 : 128];
}

function unmap(address: Address): Address {
  return address.kind() === "ipv6" && (address as ipaddr.IPv6).isIPv4MappedAddress()
    ? (address as ipaddr.IPv6).toIPv4Address()
    : address;
}

/** The address in its canonical form, IPv4-mapped IPv6 unwrapped; undefined if it does not parse. */
export function parseAddress(address: string): Address | undefined {
  try {
    return ipaddr.process(address.replace(/%.*$/, ""));
  } catch {
    return undefined;
  }
}
