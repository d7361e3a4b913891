/**
 * The schema of `function.config` (contract section 3) and the one entry point that turns
 * untrusted input into a `FunctionConfig`: every object is strict, defaults are applied,
 * and the first problem becomes FN_006 with `details.path` like `triggers[1].cron`.
 */
import { z } from "zod";
import { invalid } from "../../core/index.ts";
import { edgeBlock } from "./edge-schema.ts";
import { checked, intRange, text } from "./schema-helpers.ts";
import { handlerRef, trigger } from "./trigger-schema.ts";
import { checkSecretRefs } from "./value-checks.ts";

export const RUNTIMES = [
  "nodejs18",
  "nodejs20",
  "nodejs22",
  "bun",
  "deno",
  "python3.10",
  "python3.11",
  "python3.12",
  "go1.x",
  "container",
] as const;
export type Runtime = (typeof RUNTIMES)[number];

/** Runtimes whose code is JS/TS and can run in an edge isolate. */
export const EDGE_RUNTIMES: readonly Runtime[] = ["nodejs18", "nodejs20", "nodejs22", "bun", "deno"];

const scaling = z
  .strictObject({
    minInstances: intRange(0, 1000).default(0),
    maxInstances: intRange(1, 10_000).optional(),
    targetConcurrency: intRange(1, 100_000).optional(),
    maxConcurrency: intRange(1, 100_000).default(1000),
  })
  .superRefine((s, ctx) => {
    if (s.maxInstances !== undefined && s.minInstances > s.maxInstances) {
      ctx.addIssue({ code: "custom", path: ["minInstances"], message: "must not exceed maxInstances" });
    }
    if (s.targetConcurrency !== undefined && s.targetConcurrency > s.maxConcurrency) {
      ctx.addIssue({ code: "custom", path: ["targetConcurrency"], message: "must not exceed maxConcurrency" });
    }
  });

/** A host name (`api.example.com`), a wildcard for its subdomains (`*.example.com`), optional `:port`. */
const allowedHost = z
  .string()
  .regex(
    /^(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]{0,62}\.)*[A-Za-z0-9-]{1,63}(:\d{1,5})?$/,
    'must be a host name like "api.example.com" or "*.example.com", optionally with ":port"',
  );

/**
 * Outbound `fetch` from a function. Off by default: `egress: true` opens every public
 * host, `allowedHosts` opens only those; private and loopback addresses stay closed unless
 * `allowPrivateNetworks` is set.
 */
const vpc = z.strictObject({
  egress: z.boolean().default(false),
  allowPrivateNetworks: z.boolean().default(false),
  allowedHosts: z.array(allowedHost).default([]),
});

const envName = /^[A-Za-z_][A-Za-z0-9_]*$/;

const environment = z
  .record(
    z.string().regex(envName, "variable names must be letters, digits and _"),
    checked(z.string(), checkSecretRefs),
  )
  .default({});

const baseConfig = z.strictObject({
  name: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,62}$/, "must be 1-63 lower-case letters, digits or -, starting with a letter")
    .optional(),
  description: text(1024).optional(),
  runtime: z.enum(RUNTIMES).default("nodejs20"),
  handler: handlerRef.optional(),
  memory: intRange(128, 4096).default(128),
  timeout: intRange(1, 900).default(30),
  environment,
  triggers: z.array(trigger).default([]),
  scaling: scaling.prefault({}),
  vpc: vpc.prefault({}),
  placement: z.enum(["edge", "origin", "auto"]).default("auto"),
  edge: edgeBlock.optional(),
});

const GO_HANDLER = /^[A-Z][A-Za-z0-9_]*$/;

/** Rules that span fields: the handler's shape depends on the runtime, edge needs JS/TS. */
const functionConfigSchema = baseConfig.superRefine((config, ctx) => {
  const jsOrPython = config.runtime !== "go1.x" && config.runtime !== "container";
  if (config.handler !== undefined && jsOrPython && !config.handler.includes(".")) {
    ctx.addIssue({ code: "custom", path: ["handler"], message: 'must be "file.export", e.g. "index.handler"' });
  }
  if (config.runtime === "go1.x" && config.handler !== undefined && !GO_HANDLER.test(config.handler)) {
    ctx.addIssue({ code: "custom", path: ["handler"], message: 'must name an exported Go function, e.g. "Handler"' });
  }
  if (config.placement === "edge" && !EDGE_RUNTIMES.includes(config.runtime)) {
    ctx.addIssue({ code: "custom", path: ["placement"], message: `runtime ${config.runtime} runs on origin only` });
  }
});

export type FunctionConfig = z.output<typeof functionConfigSchema>;
/** What a user may write: every defaulted field optional. */
export type FunctionConfigInput = z.input<typeof functionConfigSchema>;

export interface ConfigIssue {
  path: string;
  message: string;
}

/** `["triggers", 1, "cron"]` -> `triggers[1].cron`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? String(key) : `.${String(key)}`;
  }
  return out;
}

/** One issue per offending field; an unknown key is reported at its own path (`edge.rateLimit.foo`). */
function toIssues(error: z.ZodError): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const issue of error.issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) issues.push({ path: formatPath([...issue.path, key]), message: "unknown key" });
    } else if (issue.code === "invalid_union" && issue.path.at(-1) === "type") {
      const options = (issue as { options?: unknown[] }).options ?? [];
      issues.push({ path: formatPath(issue.path), message: `must be one of ${options.join(", ")}` });
    } else if (issue.path.length === 0 && issue.code === "invalid_type") {
      issues.push({ path: "", message: "the function config must be an object" });
    } else {
      issues.push({ path: formatPath(issue.path), message: issue.message });
    }
  }
  return issues;
}

/**
 * Validates a raw config (parsed JSON or a config module's default export) and applies
 * the defaults. Throws FN_006 naming the first bad field; `details.issues` lists all.
 */
export function parseFunctionConfig(raw: unknown): FunctionConfig {
  const result = functionConfigSchema.safeParse(raw);
  if (result.success) return result.data;
  const issues = toIssues(result.error);
  const first = issues[0] ?? { path: "", message: "invalid configuration" };
  throw invalid(first.path, first.message, { issues });
}

/** JS/TS code placed anywhere but origin runs in an edge isolate. */
export function isEdgeRunnable(config: Pick<FunctionConfig, "runtime" | "placement">): boolean {
  return EDGE_RUNTIMES.includes(config.runtime) && config.placement !== "origin";
}
