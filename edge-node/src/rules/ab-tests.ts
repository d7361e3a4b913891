/**
 * `edge.abTests`: each test puts a client in one of its variants, with probability
 * weight / (sum of the weights) (weights are relative), drawn from node:crypto's CSPRNG.
 * The assignment is sticky through the cookie `bb_ab_<test>=<variant>`, set on the first
 * assignment with `Path=/; Max-Age=2592000` (30 days, long enough to outlast a typical
 * experiment) and `SameSite=Lax` (sent on top-level navigations from other sites, not on
 * their subresource requests). A cookie naming a variant the test no longer has, or one
 * whose weight is now 0 (switched off), is replaced by a fresh assignment.
 *
 * The handler sees `x-bunbase-ab-<test>: <variant>` (a client-sent header of that name is
 * overwritten). A variant may rewrite the request (`destination`) or pin a `version` of
 * the function; when several tests do, the first test listed wins.
 */
import { randomInt } from "node:crypto";
import type { EdgeConfig } from "../../../bundler/index.ts";

type AbTest = NonNullable<EdgeConfig["abTests"]>[number];
export type Variant = AbTest["variants"][number];

export interface AbAssignment {
  test: string;
  variant: Variant;
  /** True when drawn now (no valid cookie): the response sets the cookie. */
  fresh: boolean;
}

export const AB_COOKIE_PREFIX = "bb_ab_";
export const AB_HEADER_PREFIX = "x-bunbase-ab-";
const COOKIE_MAX_AGE_S = 30 * 24 * 3600;

/** A number in [0, 1) from the CSPRNG, with 48 bits of resolution. */
export function secureRandom(): number {
  return randomInt(2 ** 48 - 1) / (2 ** 48 - 1);
}

export class AbTests {
  readonly #tests: { name: string; variants: Variant[]; byName: Map<string, Variant>; total: number }[];

  constructor(
    tests: AbTest[],
    private readonly random: () => number = secureRandom,
  ) {
    this.#tests = tests.map((test) => {
      const live = test.variants.filter((v) => v.weight > 0);
      return {
        name: test.name,
        variants: live,
        byName: new Map(live.map((v) => [v.name, v])),
        total: live.reduce((sum, v) => sum + v.weight, 0),
      };
    });
  }

  assign(cookieHeader: string | undefined): AbAssignment[] {
    const cookies = parseCookies(cookieHeader);
    return this.#tests.map((test) => {
      const kept = test.byName.get(cookies.get(AB_COOKIE_PREFIX + test.name) ?? "");
      if (kept) return { test: test.name, variant: kept, fresh: false };
      return { test: test.name, variant: pick(test.variants, test.total, this.random()), fresh: true };
    });
  }
}

function pick(variants: Variant[], total: number, draw: number): Variant {
  let point = draw * total;
  for (const variant of variants) {
    point -= variant.weight;
    if (point < 0) return variant;
  }
  return variants[variants.length - 1];
}

export function abCookie(assignment: AbAssignment): string {
  return `${AB_COOKIE_PREFIX}${assignment.test}=${assignment.variant.name}; Path=/; Max-Age=${COOKIE_MAX_AGE_S}; SameSite=Lax`;
}

/** `a=1; b=2` (RFC 6265 section 5.4): the first value of each name. */
export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  if (!header) return cookies;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq === -1) continue;
    const name = part.slice(0, eq).trim();
    if (!cookies.has(name)) cookies.set(name, part.slice(eq + 1).trim());
  }
  return cookies;
}
