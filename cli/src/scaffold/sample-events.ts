/**
 * `events/<type>.json` in every scaffold: one sample per trigger type, shaped as the
 * platform delivers it (contract 2.6), for `bunbase functions test --event events/<file>`.
 */
import type { Scaffold } from "./index.ts";

const TIME = "2026-01-01T12:00:00.000Z";

export function sampleEvents(name: string): Scaffold {
  const event = (type: string, source: string, data: unknown, metadata: Record<string, unknown> = {}) =>
    JSON.stringify(
      { id: `evt_sample_${type.replace(/\W/g, "_")}`, type, source, time: TIME, data, metadata },
      null,
      2,
    ) + "\n";
  const profile = { id: "ada", name: "Ada", city: "London" };
  return {
    "events/database.create.json": event("database.create", "/db/profiles", profile, {
      collection: "profiles",
      documentId: "ada",
    }),
    "events/database.update.json": event("database.update", "/db/profiles", profile, {
      collection: "profiles",
      documentId: "ada",
      previous: { id: "ada", name: "Ada" },
    }),
    "events/storage.upload.json": event(
      "storage.upload",
      "/storage/uploads",
      { bucket: "uploads", path: "notes/a.txt", size: 5, contentType: "text/plain" },
      { bucket: "uploads", path: "notes/a.txt", size: 5, contentType: "text/plain" },
    ),
    "events/auth.user.create.json": event("auth.user.create", "/auth", {
      id: "usr_sample",
      email: "ada@example.com",
      createdAt: TIME,
    }),
    "events/schedule.json": event("schedule", `/schedules/${name}`, {}, { scheduledTime: TIME }),
    "events/queue.json": event("queue", "/queues/jobs", { messages: [{ task: "resize", id: 1 }] }, { queue: "jobs" }),
    "events/webhook.json": event(
      "webhook",
      `/webhooks/hooks/${name}`,
      { action: "opened", number: 1 },
      { scheme: "github", headers: { "x-github-event": "pull_request" } },
    ),
    "events/custom.json": event("order.created", "/events", { orderId: "o_1", total: 42 }),
  };
}
