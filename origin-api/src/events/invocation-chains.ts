/**
 * Recursive loop detection, as AWS Lambda has it: every event carries its depth in the
 * chain of invocations each triggered by the last. An event from outside any function
 * (REST, a schedule, a webhook) has depth 0; an event a function's write publishes while
 * it delivers an event of depth d has depth d + 1 (an HTTP or direct invocation counts as
 * depth 0). An event deeper than the limit is not delivered: its deliveries go straight to
 * the dead letters. docs/triggers.md#trigger-loops.
 *
 * The node mints the SDK token from the invocation id the dispatcher chose, so the depth
 * of the invocation behind an SDK call is found here, by that id: invocations delivering
 * an event of depth >= 1 are remembered in `event_chain_invocations` (absent means 0).
 */
import type { Db } from "../store/index.ts";
import type { EventSink, PlatformEvent } from "./types.ts";

/** The deepest event still delivered (Lambda stops a loop after about 16 invocations). */
export const MAX_CHAIN_DEPTH = 16;

/** An invocation lives at most 15 minutes; its depth is kept a day for stragglers. */
const KEEP_MS = 24 * 60 * 60 * 1000;

export function loopMessage(maxDepth: number): string {
  return (
    `recursive invocation loop detected (depth ${maxDepth}): this event was published by a function ` +
    `handling an event ${maxDepth} triggers deep, so it was not delivered`
  );
}

export class InvocationChains {
  constructor(private readonly db: Db) {}

  /** Records the depth of the event(s) an invocation delivers; depth 0 needs no row. */
  remember(invocationId: string, depth: number, nowMs: number): void {
    if (depth <= 0) return;
    this.db
      .prepare("INSERT OR REPLACE INTO event_chain_invocations (invocation_id, depth, created_at) VALUES (?, ?, ?)")
      .run(invocationId, depth, nowMs);
  }

  /** The depth of the event an invocation delivers: 0 for one the dispatcher did not start for a chained event. */
  depthOf(invocationId: string): number {
    const row = this.db
      .prepare("SELECT depth FROM event_chain_invocations WHERE invocation_id = ?")
      .get(invocationId) as { depth: number } | undefined;
    return row?.depth ?? 0;
  }

  prune(nowMs: number): number {
    return this.db.prepare("DELETE FROM event_chain_invocations WHERE created_at < ?").run(nowMs - KEEP_MS).changes;
  }
}

/** An EventSink that stamps every event with the chain of the invocation writing it. */
export function chainedSink(inner: EventSink, chains: InvocationChains, invocationId: string): EventSink {
  let depth: number | undefined; // looked up on the first write: most calls are reads
  const stamp = (event: PlatformEvent): PlatformEvent => {
    depth ??= chains.depthOf(invocationId) + 1;
    return { ...event, chain: { invocationId, depth } };
  };
  return {
    publish: (event) => inner.publish(stamp(event)),
    deliver: (target, event) => inner.deliver(target, stamp(event)),
  };
}
