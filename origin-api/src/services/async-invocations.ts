/**
 * Asynchronous invocations (`invoke?async=1`, contract 2.3) ride the delivery engine
 * (origin-api/src/events): stored first, run through the runner by its dispatcher,
 * retried up to 3 times with backoff when the failure may pass, and resumed after a
 * restart (delivery is at least once). This is the invoke routes' view of it.
 */
import type { AsyncInvocationInput, AsyncView, EventEngine } from "../events/index.ts";

export type { AsyncView } from "../events/index.ts";
export { ASYNC_MAX_ATTEMPTS } from "../events/index.ts";

export class AsyncInvocations {
  constructor(private readonly engine: EventEngine) {}

  /** Queues the invocation; its id comes back at once (202). */
  enqueue(functionId: string, input: AsyncInvocationInput): string {
    return this.engine.enqueueInvocation(functionId, input);
  }

  view(functionId: string, id: string): AsyncView {
    return this.engine.invocation(functionId, id);
  }
}
