/** Small zod building blocks shared by the config schema files. */
import { z } from "zod";

/** Attaches a value check (returning a message or undefined) to a string schema. */
export function checked(schema: z.ZodString, check: (value: string) => string | undefined) {
  return schema.superRefine((value, ctx) => {
    const message = check(value);
    if (message) ctx.addIssue({ code: "custom", message });
  });
}

/** A non-empty string of at most `max` characters. */
export function text(max = 1024) {
  return z.string().min(1, "must not be empty").max(max, `must be at most ${max} characters`);
}

/** An integer within [min, max], with the bounds in the message. */
export function intRange(min: number, max: number) {
  const message = `must be an integer from ${min} to ${max}`;
  return z.number({ error: message }).int(message).min(min, message).max(max, message);
}

/** An identifier-like name (queues, buckets, collections, events, A/B tests). */
export function resourceName(what: string) {
  return z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, `${what} must be 1-128 letters, digits, ".", "_", ":" or "-"`);
}

/** An array of distinct enum values, at least one. */
export function eventList<const T extends readonly [string, ...string[]]>(values: T) {
  return z
    .array(z.enum(values))
    .min(1, "must name at least one event")
    .refine((list) => new Set(list).size === list.length, "events must not repeat");
}
