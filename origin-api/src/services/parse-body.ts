/** Validates a request body against a zod schema; the first issue becomes 400 FN_006 naming its path. */
import type { z } from "zod";
import { invalid } from "../../../core/index.ts";

export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = issue.path
    .map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`))
    .join("")
    .replace(/^\./, "");
  throw invalid(path, issue.message);
}
