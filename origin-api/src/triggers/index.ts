/**
 * Schedules and webhooks (issue 7): the scheduler that fires `schedule` triggers and the
 * receiver behind `POST /webhooks<path>`. Both hand their events to the delivery engine
 * through an EventSink (events/types.ts). Imports store, services' secret helpers, core.
 */
export { Scheduler, tickEvent, type SchedulerOptions, type FireOutcome } from "./scheduler.ts";
export { scheduleView, type ScheduleView } from "./schedule-view.ts";
export { CronSchedule } from "./cron-schedule.ts";
export { DEFAULT_GRACE_MS, dueTicks, type DueTicks } from "./missed-ticks.ts";
export { WebhookReceiver, EVENT_HEADERS, type WebhookAccepted, type WebhookRequest } from "./webhook-receiver.ts";
export { WebhookSecrets } from "./webhook-secrets.ts";
export { verifySignature, hmacHex, STRIPE_TOLERANCE_MS, type WebhookScheme } from "./webhook-signatures.ts";
