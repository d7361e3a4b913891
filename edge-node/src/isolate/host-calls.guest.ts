/**
 * The guest half of asynchronous host calls (see host-calls.ts): start a call, get a
 * promise; the host settles it later by calling `settle(id, outcome)`, which resumes the
 * invocation that started the call (invocations.guest.ts) before resolving, so its logs
 * and timers stay its own. Failures become errors made here, never host objects.
 */
import { currentInvocation, enter } from "./invocations.guest.ts";
import type { HostCallOutcome } from "./protocol.ts";

export type HostCall = (key: number, op: string, args: unknown) => number;
export type HostNotify = (kind: string, id: number) => void;

interface Waiting {
  key: number;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

export interface HostCalls {
  /** Starts `op`; `id` names the call for `notify("abort", id)`. */
  start(op: string, args: unknown): { id: number; result: Promise<unknown> };
  run(op: string, args: unknown): Promise<unknown>;
  notify: HostNotify;
}

export function toError(outcome: { name: string; message: string }): Error {
  const { name, message } = outcome;
  if (name === "TypeError") return new TypeError(message);
  if (name === "RangeError") return new RangeError(message);
  return new DOMException(message, name);
}

export function createHostCalls(call: HostCall, notify: HostNotify, box: Record<string, unknown>): HostCalls {
  const waiting = new Map<number, Waiting>();

  box.settle = (id: number, outcome: HostCallOutcome) => {
    const entry = waiting.get(id);
    if (entry === undefined) return;
    waiting.delete(id);
    enter(entry.key);
    if (outcome.ok) entry.resolve(outcome.value);
    else entry.reject(toError(outcome));
  };

  function start(op: string, args: unknown): { id: number; result: Promise<unknown> } {
    const key = currentInvocation();
    const id = call(key, op, args);
    const result = new Promise<unknown>((resolve, reject) => waiting.set(id, { key, resolve, reject }));
    return { id, result };
  }

  return Object.freeze({
    start,
    run: (op: string, args: unknown) => start(op, args).result,
    notify: (kind: string, id: number) => notify(kind, id),
  });
}
