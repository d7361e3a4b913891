/**
 * `edge.geo` rules (contract section 3): the first rule whose countries or continents
 * hold the client's wins. What a rule then does (block, send to a path, pick a region)
 * is the edge rules engine's business; this only chooses the rule.
 */
import type { GeoInfo } from "./geo-info.ts";

/**
 * One `edge.geo` rule as bundler/src/edge-schema.ts validates it (upper-case ISO codes;
 * continents `AF AN AS EU NA OC SA`). Declared here because geo/ imports only core/.
 */
export interface GeoRule {
  countries?: readonly string[];
  continents?: readonly string[];
  destination?: string;
  block?: boolean;
  region?: string;
}

/**
 * The first rule of `rules` that matches `info`, or null. A rule matches when the
 * client's country is in its `countries` or its continent is in its `continents` (either
 * list suffices: `{countries: ["US"], continents: ["EU"]}` is "the US or Europe"). A rule
 * with neither list, or with both empty, matches nothing: the schema accepts it, but a
 * catch-all that blocks or moves every client is too much to infer from a missing key.
 * An unknown location (null info, or null fields) matches no list.
 */
export function matchGeoRule<Rule extends GeoRule>(
  rules: readonly Rule[] | null | undefined,
  info: GeoInfo | null,
): Rule | null {
  if (!rules || info === null) return null;
  for (const rule of rules) {
    if (listHolds(rule.countries, info.country) || listHolds(rule.continents, info.continent)) return rule;
  }
  return null;
}

function listHolds(list: readonly string[] | undefined, value: string | null): boolean {
  return value !== null && list !== undefined && list.includes(value);
}
