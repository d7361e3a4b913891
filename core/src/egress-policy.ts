/**
 * Where a function's `fetch` may go (docs/runtime.md, "Egress"). Pure logic: the caller
 * resolves the host name once and asks about every address it got, then connects only to
 * an address this module accepted, so a DNS answer that changes between the check and the
 * connection (rebinding) cannot reach a refused address.
 *
 * The three `vpc` keys are independent grants (docs/config.md, "Network"): `egress` opens
 * every public address, `allowedHosts` opens public addresses of the listed hosts, and
 * `allowPrivateNetworks` opens private, loopback and link-local addresses and the control
 * plane. Unspecified, multicast and reserved addresses are never reachable.
 */
import { isIP } from "node:net";

/** The function's `vpc` block, as the config schema gives it. */
export interface EgressConfig {
  egress?: boolean;
  allowPrivateNetworks?: boolean;
  allowedHosts?: string[];
}

/** Node-wide: `host:port` pairs (or bare hosts) a function may reach only with allowPrivateNetworks. */
export interface EgressPolicyOptions {
  deniedHosts?: string[];
}

export type AddressClass = "public" | "private" | "loopback" | "link-local" | "never";

export type EgressVerdict = { ok: true } | { ok: false; reason: string };

interface Range {
  bits: number[];
  prefix: number;
  kind: AddressClass;
  label: string;
}

/** RFC 6890 special-purpose IPv4 blocks we refuse (or open only with allowPrivateNetworks). */
const V4_RANGES: [string, number, AddressClass, string][] = [
  ["0.0.0.0", 8, "never", "unspecified"],
  ["10.0.0.0", 8, "private", "private"],
  ["100.64.0.0", 10, "private", "shared address space"],
  ["127.0.0.0", 8, "loopback", "loopback"],
  ["169.254.0.0", 16, "link-local", "link-local"],
  ["172.16.0.0", 12, "private", "private"],
  ["192.0.0.0", 24, "never", "reserved"],
  ["192.168.0.0", 16, "private", "private"],
  ["198.18.0.0", 15, "private", "benchmarking"],
  ["224.0.0.0", 4, "never", "multicast"],
  ["240.0.0.0", 4, "never", "reserved"],
];

/** RFC 4291 / 4193 / 6890 IPv6 blocks. */
const V6_RANGES: [string, number, AddressClass, string][] = [
  ["::", 128, "never", "unspecified"],
  ["::1", 128, "loopback", "loopback"],
  ["fe80::", 10, "link-local", "link-local"],
  ["fec0::", 10, "private", "site-local"],
  ["fc00::", 7, "private", "unique local"],
  ["ff00::", 8, "never", "multicast"],
];

/** An IPv4 or IPv6 address as bits (32 or 128), or null if `text` is not an address. */
export function addressBits(text: string): number[] | null {
  const address = text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text;
  const version = isIP(address);
  if (version === 4) return v4Bits(address);
  if (version === 6) return v6Bits(address);
  return null;
}

function v4Bits(address: string): number[] {
  return address.split(".").flatMap((octet) => toBits(Number(octet), 8));
}

function v6Bits(address: string): number[] {
  // A trailing dotted quad (::ffff:1.2.3.4) is two hex groups written in decimal.
  const text = address
    .split("%")[0]
    .toLowerCase()
    .replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_, a, b, c, d) =>
      [(+a << 8) | +b, (+c << 8) | +d].map((n) => n.toString(16)).join(":"),
    );
  const [head, rest] = text.split("::");
  const left = head === "" ? [] : head.split(":");
  const right = rest === undefined || rest === "" ? [] : rest.split(":");
  const missing = rest === undefined ? 0 : 8 - left.length - right.length;
  const groups = [...left, ...Array<string>(missing).fill("0"), ...right];
  return groups.flatMap((group) => toBits(parseInt(group, 16), 16));
}

function toBits(value: number, width: number): number[] {
  return Array.from({ length: width }, (_, i) => (value >> (width - 1 - i)) & 1);
}

const ranges = (list: typeof V4_RANGES): Range[] =>
  list.map(([base, prefix, kind, label]) => ({ bits: addressBits(base) ?? [], prefix, kind, label }));
const V4 = ranges(V4_RANGES);
const V6 = ranges(V6_RANGES);

function inRange(bits: number[], range: Range): boolean {
  for (let i = 0; i < range.prefix; i++) if (bits[i] !== range.bits[i]) return false;
  return true;
}

/**
 * IPv6 forms that carry an IPv4 address the packet may end up at: IPv4-mapped
 * (::ffff:0:0/96), NAT64 (64:ff9b::/96, RFC 6052), IPv4-compatible (::/96, deprecated
 * but still routed by some stacks) and 6to4 (2002::/16, RFC 3056). The embedded address
 * is judged as IPv4.
 */
const EMBEDDED_V4: [Range, number][] = (
  [
    ["::ffff:0:0", 96, 96],
    ["64:ff9b::", 96, 96],
    ["::", 96, 96],
    ["2002::", 16, 16],
  ] as const
).map(([base, prefix, start]) => [{ bits: addressBits(base) ?? [], prefix, kind: "public", label: "" }, start]);

function embeddedV4(bits: number[]): number[] | null {
  // ::/127 holds :: and ::1, which are IPv6's own unspecified and loopback addresses.
  if (bits.slice(0, 127).every((bit) => bit === 0)) return null;
  const hit = EMBEDDED_V4.find(([range]) => inRange(bits, range));
  return hit === undefined ? null : bits.slice(hit[1], hit[1] + 32);
}

/** What kind of address `address` is, with the name of its block ("link-local", ...). */
export function classifyAddress(address: string): { kind: AddressClass; label: string } {
  const bits = addressBits(address);
  if (bits === null) return { kind: "never", label: "not an IP address" };
  if (bits.length === 128) {
    const v4 = embeddedV4(bits);
    if (v4 !== null) return classifyBits(v4, V4);
    return classifyBits(bits, V6);
  }
  return classifyBits(bits, V4);
}

function classifyBits(bits: number[], table: Range[]): { kind: AddressClass; label: string } {
  const hit = table.find((range) => inRange(bits, range));
  return hit === undefined ? { kind: "public", label: "public" } : { kind: hit.kind, label: hit.label };
}

/** `api.example.com`, `*.example.com` (subdomains only), optionally `:port`. */
export function matchesHostPattern(pattern: string, hostname: string, port: string): boolean {
  const match = /^(.*?)(?::(\d{1,5}))?$/.exec(pattern.toLowerCase());
  if (match === null) return false;
  const [, host, patternPort] = match;
  if (patternPort !== undefined && patternPort !== port) return false;
  const name = hostname.toLowerCase().replace(/\.$/, "");
  if (host.startsWith("*.")) return name.endsWith(host.slice(1)) && name.length > host.length - 1;
  return name === host;
}

export function defaultPort(protocol: string): string {
  return protocol === "https:" ? "443" : "80";
}

/**
 * Checks one destination: the URL the guest asked for and one address its host resolved
 * to. Both the name and the address must pass.
 */
export function checkDestination(
  url: URL,
  address: string,
  config: EgressConfig,
  options: EgressPolicyOptions = {},
): EgressVerdict {
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return { ok: false, reason: `only http: and https: URLs may be fetched, not ${url.protocol}` };
  }
  const hostname = url.hostname.replace(/^\[|\]$/g, "");
  const port = url.port || defaultPort(url.protocol);
  const { kind, label } = classifyAddress(address);
  if (kind === "never") return { ok: false, reason: `${address} is a ${label} address` };
  const privateNets = config.allowPrivateNetworks === true;
  if (isDeniedHost(hostname, address, port, options.deniedHosts ?? []) && !privateNets) {
    return { ok: false, reason: "the platform's control plane is not reachable (vpc.allowPrivateNetworks is off)" };
  }
  if (kind !== "public") {
    if (privateNets) return { ok: true };
    return { ok: false, reason: `${address} is a ${label} address and vpc.allowPrivateNetworks is off` };
  }
  if (config.egress === true) return { ok: true };
  if ((config.allowedHosts ?? []).some((pattern) => matchesHostPattern(pattern, hostname, port))) return { ok: true };
  return { ok: false, reason: `${hostname} is not in vpc.allowedHosts and vpc.egress is off` };
}

function isDeniedHost(hostname: string, address: string, port: string, denied: string[]): boolean {
  const resolved = canonical(address);
  return denied.some((entry) => {
    const match = /^\[?(.*?)\]?(?::(\d{1,5}))?$/.exec(entry.toLowerCase());
    if (match === null) return false;
    const [, host, deniedPort] = match;
    if (deniedPort !== undefined && deniedPort !== port) return false;
    const deniedAddress = canonical(host);
    if (deniedAddress !== null) return deniedAddress === resolved;
    return host === hostname.toLowerCase().replace(/\.$/, "");
  });
}

/** An address as a bit string, IPv4-mapped IPv6 folded to IPv4, so both spellings compare equal. */
function canonical(address: string): string | null {
  const bits = addressBits(address);
  if (bits === null) return null;
  const mapped = bits.length === 128 && bits.slice(0, 96).join("") === "0".repeat(80) + "1".repeat(16);
  return (mapped ? bits.slice(96) : bits).join("");
}
