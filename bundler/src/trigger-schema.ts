/** Trigger objects of `function.config` (contract section 3), one strict schema per type. */
import { z } from "zod";
import { checkCron, checkRoutePath, checkSecretRefs, checkTimeZone } from "./value-checks.ts";
import { checked, eventList, intRange, resourceName, text } from "./schema-helpers.ts";

export const HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"] as const;

/** `file.export` (JS/TS, Python) or a bare exported name (Go, or an export of the entry file). */
export const handlerRef = z
  .string()
  .regex(
    /^(?:[A-Za-z0-9_][A-Za-z0-9_\-/]*\.)?[A-Za-z_$][A-Za-z0-9_$]*$/,
    'must be "file.export" (e.g. "index.handler", "index.default") or an export name',
  );

/** Per-trigger handler override, plus the retry budget of background deliveries (contract 2.6). */
const handler = handlerRef.optional();
const maxRetries = intRange(0, 20).default(3);
/** Seconds after which an undelivered event goes to the dead letters, however many retries are left. */
const maxEventAge = intRange(60, 86_400).optional();

const routePath = checked(text(512), checkRoutePath);

/**
 * `methods` defaults to ["GET"] (HEAD is answered by GET routes); `"*"` means every method.
 * Lower-case names are accepted and stored upper-case.
 */
const methods = z
  .array(z.string().transform((m) => m.toUpperCase()))
  .min(1, "must name at least one method")
  .superRefine((list, ctx) => {
    for (const [i, method] of list.entries()) {
      if (method !== "*" && !(HTTP_METHODS as readonly string[]).includes(method)) {
        ctx.addIssue({ code: "custom", path: [i], message: `must be one of ${HTTP_METHODS.join(", ")} or "*"` });
      }
    }
  })
  .transform((list) => (list.includes("*") ? ["*"] : [...new Set(list)]))
  .default(["GET"]);

export const httpTrigger = z.strictObject({
  type: z.literal("http"),
  path: routePath,
  methods,
  handler,
});

export const scheduleTrigger = z.strictObject({
  type: z.literal("schedule"),
  cron: checked(z.string(), checkCron),
  timezone: checked(z.string(), checkTimeZone).default("UTC"),
  handler,
  maxRetries,
  maxEventAge,
});

export const databaseTrigger = z.strictObject({
  type: z.literal("database"),
  collection: resourceName("collection"),
  events: eventList(["create", "update", "delete"] as const).default(["create", "update", "delete"]),
  handler,
  maxRetries,
  maxEventAge,
});

export const storageTrigger = z.strictObject({
  type: z.literal("storage"),
  bucket: resourceName("bucket"),
  events: eventList(["upload", "delete"] as const).default(["upload", "delete"]),
  handler,
  maxRetries,
  maxEventAge,
});

export const authTrigger = z.strictObject({
  type: z.literal("auth"),
  events: eventList(["user.create", "login"] as const).default(["user.create", "login"]),
  handler,
  maxRetries,
  maxEventAge,
});

export const queueTrigger = z.strictObject({
  type: z.literal("queue"),
  queue: resourceName("queue"),
  batchSize: intRange(1, 100).default(1),
  maxRetries,
  maxEventAge,
  deadLetterQueue: resourceName("deadLetterQueue").optional(),
  handler,
});

export const eventTrigger = z.strictObject({
  type: z.literal("event"),
  event: resourceName("event"),
  handler,
  maxRetries,
  maxEventAge,
});

export const webhookTrigger = z.strictObject({
  type: z.literal("webhook"),
  path: routePath,
  scheme: z.enum(["github", "stripe", "hmac-sha256"]),
  secret: checked(text(), checkSecretRefs),
  handler,
  maxRetries,
  maxEventAge,
});

export const trigger = z.discriminatedUnion("type", [
  httpTrigger,
  scheduleTrigger,
  databaseTrigger,
  storageTrigger,
  authTrigger,
  queueTrigger,
  eventTrigger,
  webhookTrigger,
]);

export type Trigger = z.output<typeof trigger>;
export type HttpTrigger = z.output<typeof httpTrigger>;
export type TriggerType = Trigger["type"];
