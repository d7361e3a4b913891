/**
 * The `edge` block of `function.config` (contract section 3): rules the edge node applies
 * before the handler runs, in this order: cors, ip lists, rate limit, auth, geo, A/B
 * tests, rewrites and redirects.
 */
import { z } from "zod";
import {
  checkCidr,
  checkDestination,
  checkSecretRefs,
  checkSourcePattern,
  durationToMs,
  patternParams,
} from "./value-checks.ts";
import { checked, intRange, text } from "./schema-helpers.ts";
import { HTTP_METHODS } from "./trigger-schema.ts";

const origin = z.string().regex(/^https?:\/\/[^/\s]+$/, 'must be an origin like "https://example.com" (no path)');
const headerName = z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, "must be an HTTP header name");

const cors = z.strictObject({
  origin: z.union([z.literal("*"), z.array(origin).min(1, "must name at least one origin")]),
  methods: z.array(z.enum(HTTP_METHODS)).min(1).optional(),
  headers: z.array(headerName).optional(),
  credentials: z.boolean().optional(),
  /** Seconds a browser may cache the preflight answer. */
  maxAge: intRange(0, 86_400).optional(),
});

const cidrList = z.array(checked(z.string(), checkCidr));

const rateLimit = z.strictObject({
  maxRequests: intRange(1, 1_000_000_000),
  window: z.string().refine((w) => durationToMs(w) !== undefined, 'must be a duration like "30s", "1m", "1h" or "1d"'),
  key: z
    .string()
    .regex(/^(ip|header:[A-Za-z0-9!#$%&'*+.^_`|~-]+)$/, 'must be "ip" or "header:<name>"')
    .default("ip"),
});

const secretish = checked(text(), checkSecretRefs);

const jwtAuth = z
  .strictObject({
    type: z.literal("jwt"),
    secret: secretish.optional(),
    jwksUrl: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).optional(),
    issuer: text().optional(),
    audience: z.union([text(), z.array(text()).min(1)]).optional(),
  })
  .refine((auth) => auth.secret !== undefined || auth.jwksUrl !== undefined, "jwt auth needs a secret or a jwksUrl");

const apiKeyAuth = z.strictObject({
  type: z.literal("apiKey"),
  header: headerName.default("x-api-key"),
  keys: z.array(secretish).min(1, "must hold at least one key"),
});

const CONTINENTS = ["AF", "AN", "AS", "EU", "NA", "OC", "SA"] as const;

const geoRule = z
  .strictObject({
    countries: z.array(z.string().regex(/^[A-Z]{2}$/, "must be an ISO 3166-1 alpha-2 code like GB")).optional(),
    continents: z.array(z.enum(CONTINENTS)).optional(),
    destination: checked(z.string(), (d) => checkDestination(d, true)).optional(),
    block: z.boolean().optional(),
    region: text(64).optional(),
  })
  .superRefine((rule, ctx) => {
    if (rule.destination === undefined && !rule.block && rule.region === undefined) {
      ctx.addIssue({ code: "custom", message: "a geo rule needs destination, block or region" });
    }
    if (rule.block && rule.destination !== undefined) {
      ctx.addIssue({ code: "custom", path: ["block"], message: "a rule cannot both block and redirect" });
    }
  });

const variant = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "must be 1-64 letters, digits, _ or -"),
  weight: z.number().min(0, "must be from 0 to 100").max(100, "must be from 0 to 100"),
  destination: checked(z.string(), (d) => checkDestination(d, false)).optional(),
  version: intRange(1, Number.MAX_SAFE_INTEGER).optional(),
});

/** Weights are relative shares; they need not add up to 100, only to more than 0. */
const abTest = z
  .strictObject({
    // Becomes the cookie `bb_ab_<name>` and the header `x-bunbase-ab-<name>`.
    name: z.string().regex(/^[a-z0-9_-]{1,64}$/, "must be 1-64 lower-case letters, digits, _ or -"),
    variants: z.array(variant).min(2, "an A/B test needs at least two variants"),
  })
  .superRefine((test, ctx) => {
    if (test.variants.reduce((sum, v) => sum + v.weight, 0) <= 0) {
      ctx.addIssue({ code: "custom", path: ["variants"], message: "weights must add up to more than 0" });
    }
    const names = test.variants.map((v) => v.name);
    if (new Set(names).size !== names.length) {
      ctx.addIssue({ code: "custom", path: ["variants"], message: "variant names must be distinct" });
    }
  });

/** The destination may only use parameters that the source pattern defines. */
function sameParams(rule: { source: string; destination: string }, ctx: z.RefinementCtx) {
  const defined = new Set(patternParams(rule.source));
  for (const name of patternParams(rule.destination)) {
    if (!defined.has(name)) {
      ctx.addIssue({ code: "custom", path: ["destination"], message: `uses :${name}, which the source lacks` });
    }
  }
}

const source = checked(z.string(), checkSourcePattern);

const rewrite = z
  .strictObject({ source, destination: checked(z.string(), (d) => checkDestination(d, false)) })
  .superRefine(sameParams);

const redirect = z
  .strictObject({
    source,
    destination: checked(z.string(), (d) => checkDestination(d, true)),
    status: z
      .union([z.literal(301), z.literal(302), z.literal(303), z.literal(307), z.literal(308)], {
        error: "must be 301, 302, 303, 307 or 308",
      })
      .default(308),
  })
  .superRefine(sameParams);

function uniqueNames(tests: { name: string }[], ctx: z.RefinementCtx) {
  const names = tests.map((t) => t.name);
  if (new Set(names).size !== names.length)
    ctx.addIssue({ code: "custom", message: "A/B test names must be distinct" });
}

export const edgeBlock = z.strictObject({
  cors: cors.optional(),
  ipAllow: cidrList.optional(),
  ipDeny: cidrList.optional(),
  rateLimit: rateLimit.optional(),
  auth: z.discriminatedUnion("type", [jwtAuth, apiKeyAuth]).optional(),
  geo: z.array(geoRule).optional(),
  abTests: z.array(abTest).superRefine(uniqueNames).optional(),
  rewrites: z.array(rewrite).optional(),
  redirects: z.array(redirect).optional(),
});

export type EdgeConfig = z.output<typeof edgeBlock>;
