/**
 * For the unit tests of this folder: a real Store in a temp dir, a quiet logger, and a
 * small real EventSink that records deliveries and honours idempotency keys.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { newId, type Logger } from "../../../core/index.ts";
import type { EventSink, PlatformEvent, Published } from "../events/types.ts";
import { Store } from "../store/index.ts";

export interface Delivery {
  target: { functionId: string; triggerIndex: number };
  event: PlatformEvent;
  eventId: string;
}

export class RecordingSink implements EventSink {
  readonly deliveries: Delivery[] = [];
  failWith: Error | undefined;
  private readonly keys = new Map<string, string>();

  publish(_event: PlatformEvent): Published {
    throw new Error("schedules and webhooks deliver to one trigger; they never publish");
  }

  deliver(target: { functionId: string; triggerIndex: number }, event: PlatformEvent): Published {
    if (this.failWith) throw this.failWith;
    const known = event.idempotencyKey === undefined ? undefined : this.keys.get(event.idempotencyKey);
    if (known) return { eventId: known, deliveries: 0, duplicate: true };
    const eventId = newId("evt");
    if (event.idempotencyKey !== undefined) this.keys.set(event.idempotencyKey, eventId);
    this.deliveries.push({ target, event: structuredClone(event), eventId });
    return { eventId, deliveries: 1, duplicate: false };
  }
}

export const quietLog: Logger = pino({ level: "silent" });

export interface TempStore {
  dir: string;
  store: Store;
  /** Another connection to the same SQLite file, as a second origin process would hold. */
  reopen(): Store;
  close(): void;
}

export function openTempStore(): TempStore {
  const dir = mkdtempSync(join(tmpdir(), "bunbase-triggers-"));
  const opened: Store[] = [Store.open(dir)];
  return {
    dir,
    store: opened[0],
    reopen() {
      const store = Store.open(dir);
      opened.push(store);
      return store;
    },
    close() {
      for (const store of opened) store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Inserts a function with `triggers` and bumps the revision, as the API's Mutations would. */
export function putFunction(store: Store, name: string, triggers: unknown[]): string {
  const existing = store.functions.find(name);
  return store.tx(() => {
    const row = existing
      ? store.functions.update(existing.id, name, { ...existing.config, triggers })
      : store.functions.insert(newId("fn"), name, { runtime: "nodejs20", triggers });
    store.functions.bumpRevision();
    return row.id;
  });
}
