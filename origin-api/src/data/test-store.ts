/**
 * For the unit tests of this folder: a real Store in a temp dir and a small real EventSink
 * that records what is published (and honours idempotency keys), or fails on demand.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isBunbaseError, newId } from "../../../core/index.ts";
import type { EventSink, PlatformEvent, Published } from "../events/types.ts";
import { Store } from "../store/index.ts";
import { DataServices } from "./index.ts";

export class RecordingSink implements EventSink {
  readonly events: PlatformEvent[] = [];
  /** When set, publish throws it (to check that the write rolls back with the event). */
  failWith: Error | undefined;
  private readonly keys = new Set<string>();

  publish(event: PlatformEvent): Published {
    if (this.failWith) throw this.failWith;
    const duplicate = event.idempotencyKey !== undefined && this.keys.has(event.idempotencyKey);
    if (event.idempotencyKey !== undefined) this.keys.add(event.idempotencyKey);
    if (!duplicate) this.events.push(structuredClone(event));
    return { eventId: newId("evt"), deliveries: 0, duplicate };
  }

  deliver(_target: { functionId: string; triggerIndex: number }, event: PlatformEvent): Published {
    return this.publish(event);
  }

  take(): PlatformEvent[] {
    return this.events.splice(0);
  }
}

export interface TestData {
  dir: string;
  store: Store;
  sink: RecordingSink;
  data: DataServices;
  close(): void;
}

export function openTestData(): TestData {
  const dir = mkdtempSync(join(tmpdir(), "bunbase-data-"));
  const store = Store.open(dir);
  const sink = new RecordingSink();
  const data = new DataServices({ store, events: sink, masterKey: randomBytes(32), dataDir: dir });
  return {
    dir,
    store,
    sink,
    data,
    close() {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** For assert.throws/rejects: a BunbaseError with this code (and status, when given). */
export const code = (c: string, status?: number) => (err: unknown) =>
  isBunbaseError(err) && err.code === c && (status === undefined || err.status === status);
