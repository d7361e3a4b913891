/**
 * Which triggers an event reaches (contract 3): read from the functions' live configs,
 * indexed once per config revision.
 */
import type { FunctionRow } from "../store/index.ts";
import type { PlatformEvent } from "./types.ts";

/** One background trigger of one function, with its delivery policy. */
export interface Subscription {
  functionId: string;
  triggerIndex: number;
  type: string;
  /** Attempts in all: `maxRetries` + 1. */
  maxAttempts: number;
  /** `maxEventAge` in ms, when the trigger sets one. */
  maxAgeMs?: number;
  /** Queue triggers: messages delivered together (1 = one event per message). */
  batchSize: number;
  /** Queue triggers: where a message that ran out of attempts is sent. */
  deadLetterQueue?: string;
  /** The trigger's own `handler`, when it names one. */
  handler?: string;
  matches(event: PlatformEvent): boolean;
}

export const DEFAULT_MAX_RETRIES = 3;

type Raw = Record<string, unknown>;

const list = (value: unknown, all: string[]): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : all;

/** The event test of one trigger, or undefined for triggers that events never reach (http, schedule, webhook). */
function matcherOf(t: Raw): ((e: PlatformEvent) => boolean) | undefined {
  const meta = (e: PlatformEvent, key: string) => e.metadata?.[key];
  switch (t.type) {
    case "database": {
      const types = new Set(list(t.events, ["create", "update", "delete"]).map((op) => `database.${op}`));
      return (e) => types.has(e.type) && meta(e, "collection") === t.collection;
    }
    case "storage": {
      const types = new Set(list(t.events, ["upload", "delete"]).map((op) => `storage.${op}`));
      return (e) => types.has(e.type) && meta(e, "bucket") === t.bucket;
    }
    case "auth": {
      const types = new Set(list(t.events, ["user.create", "login"]).map((op) => `auth.${op}`));
      return (e) => types.has(e.type);
    }
    case "queue":
      return (e) => e.type === "queue" && meta(e, "queue") === t.queue;
    case "event":
      return (e) => e.type === t.event;
    default:
      return undefined;
  }
}

/** The delivery policy of any background trigger (schedule and webhook deliveries use it too). */
export function policyOf(t: Raw): Pick<Subscription, "maxAttempts" | "maxAgeMs" | "batchSize" | "handler"> {
  const retries = typeof t.maxRetries === "number" ? t.maxRetries : DEFAULT_MAX_RETRIES;
  const policy: ReturnType<typeof policyOf> = {
    maxAttempts: retries + 1,
    batchSize: t.type === "queue" && typeof t.batchSize === "number" ? t.batchSize : 1,
  };
  if (typeof t.maxEventAge === "number") policy.maxAgeMs = t.maxEventAge * 1000;
  if (typeof t.handler === "string") policy.handler = t.handler;
  return policy;
}

export function triggersOf(fn: Pick<FunctionRow, "config">): Raw[] {
  const triggers = fn.config.triggers;
  return Array.isArray(triggers) ? (triggers as Raw[]) : [];
}

export function subscriptionsOf(fn: Pick<FunctionRow, "id" | "config">): Subscription[] {
  const out: Subscription[] = [];
  for (const [triggerIndex, t] of triggersOf(fn).entries()) {
    const matches = matcherOf(t);
    if (!matches) continue;
    const sub: Subscription = { functionId: fn.id, triggerIndex, type: String(t.type), matches, ...policyOf(t) };
    if (t.type === "queue" && typeof t.deadLetterQueue === "string") sub.deadLetterQueue = t.deadLetterQueue;
    out.push(sub);
  }
  return out;
}

/** Every subscription of every function, rebuilt when the config revision moves. */
export class SubscriptionIndex {
  private revision = -1;
  private subs: Subscription[] = [];

  constructor(
    private readonly load: () => Pick<FunctionRow, "id" | "config">[],
    private readonly currentRevision: () => number,
  ) {}

  match(event: PlatformEvent): Subscription[] {
    const revision = this.currentRevision();
    if (revision !== this.revision) {
      this.subs = this.load().flatMap(subscriptionsOf);
      this.revision = revision;
    }
    return this.subs.filter((s) => s.matches(event));
  }
}
