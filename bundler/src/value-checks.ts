/**
 * Checks for single config values that a schema type alone cannot express: cron strings,
 * IANA time zones, CIDR blocks, durations, route patterns, secret references. Each returns
 * an error message, or undefined when the value is fine, so the schema can report it at
 * the field's path.
 */
import { isIP } from "node:net";
import { CronExpressionParser } from "cron-parser";

/** 5 fields (minute first), or 6 with seconds first (contract section 3). */
export function checkCron(cron: string): string | undefined {
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6) {
    return `expected 5 fields (or 6 with seconds first), got ${fields.length}`;
  }
  try {
    CronExpressionParser.parse(cron.trim());
    return undefined;
  } catch (err) {
    return `invalid cron expression: ${(err as Error).message}`;
  }
}

/** True for names Intl knows (`Europe/London`, `UTC`); Intl throws a RangeError otherwise. */
export function checkTimeZone(timeZone: string): string | undefined {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone });
    return undefined;
  } catch {
    return `unknown IANA time zone "${timeZone}"`;
  }
}

/** `203.0.113.0/24`, `2001:db8::/32`, or a bare address (a single host). */
export function checkCidr(value: string): string | undefined {
  const [address, prefix, ...rest] = value.split("/");
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return `"${value}" is not an IPv4/IPv6 address or CIDR block`;
  if (prefix === undefined) return undefined;
  const max = version === 4 ? 32 : 128;
  if (!/^\d{1,3}$/.test(prefix) || Number(prefix) > max) return `prefix length of "${value}" must be 0-${max}`;
  return undefined;
}

const DURATION_UNITS_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION = /^([1-9]\d{0,5})(s|m|h|d)$/;

/** `30s`, `1m`, `1h`, `1d` to milliseconds; undefined when the string is not a duration. */
export function durationToMs(value: string): number | undefined {
  const match = DURATION.exec(value);
  if (!match) return undefined;
  return Number(match[1]) * DURATION_UNITS_MS[match[2] as keyof typeof DURATION_UNITS_MS];
}

// Characters a URL path segment may hold unescaped (RFC 3986 section 3.3 pchar), minus ":".
const STATIC_SEGMENT = /^[A-Za-z0-9._~!$&'()+,;=@%-]+$/;
const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Route patterns of http and webhook triggers: `/users/:id`, `/files/*` (wildcard last). */
export function checkRoutePath(path: string): string | undefined {
  if (!path.startsWith("/")) return 'must start with "/"';
  const segments = path.split("/").slice(1);
  const seen = new Set<string>();
  for (const [i, segment] of segments.entries()) {
    const last = i === segments.length - 1;
    if (segment === "") {
      if (last) continue; // a trailing slash (or the root path "/")
      return "empty path segment (//)";
    }
    if (segment === "*") {
      if (!last) return 'the wildcard "*" may only be the last segment';
      continue;
    }
    if (segment.startsWith(":")) {
      const name = segment.slice(1);
      if (!PARAM_NAME.test(name)) return `bad parameter "${segment}" (use :name with letters, digits, _)`;
      if (seen.has(name)) return `parameter ":${name}" appears twice`;
      seen.add(name);
      continue;
    }
    if (!STATIC_SEGMENT.test(segment)) return `segment "${segment}" has characters a path may not hold`;
  }
  return undefined;
}

/**
 * Rewrite/redirect patterns: like route paths, plus `:name*` (the rest of the path). The
 * destination may use only parameters the source defines.
 */
export function patternParams(pattern: string): string[] {
  return [...pattern.matchAll(/:([A-Za-z_][A-Za-z0-9_]*)\*?/g)].map((m) => m[1]);
}

export function checkSourcePattern(pattern: string): string | undefined {
  if (!pattern.startsWith("/")) return 'must start with "/"';
  return checkRoutePath(pattern.replace(/:([A-Za-z_][A-Za-z0-9_]*)\*$/, ":$1"));
}

export function checkDestination(destination: string, allowAbsolute: boolean): string | undefined {
  if (destination.startsWith("/")) return undefined;
  if (allowAbsolute && /^https?:\/\/[^/\s]+/.test(destination)) return undefined;
  return allowAbsolute ? 'must be a path starting with "/" or an http(s) URL' : 'must start with "/"';
}

const SECRET_REF = /\$\{secrets\.([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** The secret names a value refers to with `${secrets.NAME}`. */
export function findSecretRefs(value: string): string[] {
  return [...value.matchAll(SECRET_REF)].map((m) => m[1]);
}

/** A `${secrets.` that is not a well-formed reference is a typo the user wants to hear about. */
export function checkSecretRefs(value: string): string | undefined {
  const leftover = value.replace(SECRET_REF, "");
  if (leftover.includes("${secrets.")) return "malformed secret reference (use ${secrets.NAME})";
  return undefined;
}

/** `/users/:id` and `/users/:uid` claim the same requests: both become `/users/:`. */
export function httpRouteKey(path: string): string {
  const segments = path.split("/").filter((segment) => segment.length > 0);
  return "/" + segments.map((segment) => (segment.startsWith(":") ? ":" : segment)).join("/");
}
