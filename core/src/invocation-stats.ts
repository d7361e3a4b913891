/**
 * Invocations folded into per-function, per-trigger, 10-second aggregates (like
 * CloudWatch or Workers Analytics): what edge nodes ship and the origin stores instead of
 * one row per invocation. Counts and sums are exact; percentiles come from the duration
 * histogram (duration-histogram.ts).
 */
import { addToHistogram, mergeHistogram, type Histogram } from "./duration-histogram.ts";
import type { InvocationRecord, InvocationTrigger } from "./wire.ts";

/** Aggregates cover 10 s of start times: the finest `series` resolution the metrics offer. */
export const STATS_BUCKET_MS = 10_000;

/** Count, sum and maximum of a measurement some invocations report (CPU time, memory). */
export interface Measure {
  count: number;
  sum: number;
  max: number;
}

export interface InvocationStats {
  functionId: string;
  trigger: InvocationTrigger;
  /** Epoch ms, a multiple of STATS_BUCKET_MS: the invocations that started in [bucketStart, +10 s). */
  bucketStart: number;
  invocations: number;
  /** An error code, or a status of 500 and above. */
  errors: number;
  coldStarts: number;
  /** Error code (FN_00x) -> invocations that ended with it. */
  codes: Record<string, number>;
  durationSumMs: number;
  durationHist: Histogram;
  cpu: Measure;
  memory: Measure;
  /** The most invocations of the function this reporter had in flight when one of these started. */
  maxConcurrency: number;
}

/** What the aggregates keep of an invocation. */
export type InvocationSample = Pick<
  InvocationRecord,
  "functionId" | "trigger" | "startedAt" | "durationMs" | "status" | "errorCode" | "coldStart" | "cpuMs" | "memoryMb"
>;

export const isFailure = (status: number, errorCode: string | undefined | null): boolean =>
  (errorCode !== undefined && errorCode !== null) || status >= 500;

export const statsBucketOf = (epochMs: number): number => epochMs - (epochMs % STATS_BUCKET_MS);

const TRIGGER_SLOT: Record<InvocationTrigger, number> = { http: 0, invoke: 1, event: 2 };

/** A function's aggregates by bucket (one slot per trigger) and its invocations in flight. */
interface FunctionState {
  inFlight: number;
  buckets: Map<number, (InvocationStats | undefined)[]>;
  /** The bucket the last invocation went to: consecutive ones almost always share it. */
  lastBucket: number;
  lastSlots: (InvocationStats | undefined)[] | undefined;
}

/**
 * Folds invocations into aggregates in O(1) each: nested maps (function, then bucket) and
 * a slot per trigger, so no key is built per call, and an aggregate object is made once
 * per key until take() hands it out.
 */
export class InvocationAggregator {
  readonly #functions = new Map<string, FunctionState>();
  #size = 0;

  /** Aggregates held. */
  get size(): number {
    return this.#size;
  }

  /** An invocation of the function starts: returns how many are in flight now, itself included. */
  begin(functionId: string): number {
    return ++this.#stateOf(functionId).inFlight;
  }

  /** A begun invocation ended: `concurrency` is what begin() returned for it. */
  end(sample: InvocationSample, concurrency: number): void {
    const state = this.#stateOf(sample.functionId);
    if (state.inFlight > 0) state.inFlight--;
    const stats = this.#statsOf(state, sample.functionId, sample.trigger, statsBucketOf(sample.startedAt));
    foldSample(stats, sample);
    if (concurrency > stats.maxConcurrency) stats.maxConcurrency = concurrency;
  }

  /** Folds an invocation that was not begun here (a record another process reported). */
  add(sample: InvocationSample): void {
    const state = this.#stateOf(sample.functionId);
    foldSample(this.#statsOf(state, sample.functionId, sample.trigger, statsBucketOf(sample.startedAt)), sample);
  }

  /** Folds an aggregate back in (a shipment the origin did not take). */
  merge(from: InvocationStats): void {
    const state = this.#stateOf(from.functionId);
    mergeStats(this.#statsOf(state, from.functionId, from.trigger, from.bucketStart), from);
  }

  /** Hands out and forgets up to `limit` aggregates (whole buckets of a function, at most 3 each). */
  take(limit = Infinity): InvocationStats[] {
    const out: InvocationStats[] = [];
    for (const state of this.#functions.values()) {
      for (const [bucket, slots] of state.buckets) {
        let held = 0;
        for (const stats of slots) if (stats !== undefined) held++;
        if (out.length + held > limit) return out;
        for (const stats of slots) if (stats !== undefined) out.push(stats);
        this.#forget(state, bucket);
      }
    }
    return out;
  }

  /** Invocations in flight by function (non-zero only); idle functions with nothing held are forgotten. */
  inFlight(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [functionId, state] of this.#functions) {
      if (state.inFlight > 0) out[functionId] = state.inFlight;
      else if (state.buckets.size === 0) this.#functions.delete(functionId);
    }
    return out;
  }

  /** Drops the oldest buckets until at most `keep` aggregates are held; returns the invocations dropped. */
  dropOldest(keep: number): number {
    if (this.#size <= keep) return 0;
    const all: [number, FunctionState][] = [];
    for (const state of this.#functions.values()) for (const bucket of state.buckets.keys()) all.push([bucket, state]);
    all.sort((a, b) => a[0] - b[0]);
    let dropped = 0;
    for (const [bucket, state] of all) {
      if (this.#size <= keep) break;
      for (const stats of state.buckets.get(bucket)!) dropped += stats?.invocations ?? 0;
      this.#forget(state, bucket);
    }
    return dropped;
  }

  #forget(state: FunctionState, bucket: number): void {
    for (const stats of state.buckets.get(bucket)!) if (stats !== undefined) this.#size--;
    state.buckets.delete(bucket);
    if (state.lastBucket === bucket) state.lastSlots = undefined;
  }

  #stateOf(functionId: string): FunctionState {
    let state = this.#functions.get(functionId);
    if (state === undefined) {
      state = { inFlight: 0, buckets: new Map(), lastBucket: -1, lastSlots: undefined };
      this.#functions.set(functionId, state);
    }
    return state;
  }

  /** The aggregate of (function, trigger, bucket), made on first use. */
  #statsOf(state: FunctionState, functionId: string, trigger: InvocationTrigger, bucket: number): InvocationStats {
    let slots = state.lastBucket === bucket ? state.lastSlots : undefined;
    if (slots === undefined) {
      slots = state.buckets.get(bucket);
      if (slots === undefined) {
        slots = [undefined, undefined, undefined];
        state.buckets.set(bucket, slots);
      }
      state.lastBucket = bucket;
      state.lastSlots = slots;
    }
    const slot = TRIGGER_SLOT[trigger];
    let stats = slots[slot];
    if (stats === undefined) {
      stats = emptyStats(functionId, trigger, bucket);
      slots[slot] = stats;
      this.#size++;
    }
    return stats;
  }
}

export function emptyStats(functionId: string, trigger: InvocationTrigger, bucketStart: number): InvocationStats {
  return {
    functionId,
    trigger,
    bucketStart,
    invocations: 0,
    errors: 0,
    coldStarts: 0,
    codes: {},
    durationSumMs: 0,
    durationHist: {},
    cpu: { count: 0, sum: 0, max: 0 },
    memory: { count: 0, sum: 0, max: 0 },
    maxConcurrency: 0,
  };
}

function foldSample(stats: InvocationStats, s: InvocationSample): void {
  stats.invocations++;
  if (isFailure(s.status, s.errorCode)) stats.errors++;
  if (s.errorCode !== undefined) stats.codes[s.errorCode] = (stats.codes[s.errorCode] ?? 0) + 1;
  if (s.coldStart) stats.coldStarts++;
  stats.durationSumMs += s.durationMs;
  addToHistogram(stats.durationHist, s.durationMs);
  if (s.cpuMs !== undefined) measure(stats.cpu, s.cpuMs);
  if (s.memoryMb !== undefined) measure(stats.memory, s.memoryMb);
}

function measure(m: Measure, value: number): void {
  m.count++;
  m.sum += value;
  if (value > m.max) m.max = value;
}

/** Adds `from` into `into` (same function, trigger and bucket). */
export function mergeStats(into: InvocationStats, from: InvocationStats): void {
  into.invocations += from.invocations;
  into.errors += from.errors;
  into.coldStarts += from.coldStarts;
  for (const code in from.codes) into.codes[code] = (into.codes[code] ?? 0) + from.codes[code];
  into.durationSumMs += from.durationSumMs;
  mergeHistogram(into.durationHist, from.durationHist);
  mergeMeasure(into.cpu, from.cpu);
  mergeMeasure(into.memory, from.memory);
  into.maxConcurrency = Math.max(into.maxConcurrency, from.maxConcurrency);
}

function mergeMeasure(into: Measure, from: Measure): void {
  into.count += from.count;
  into.sum += from.sum;
  into.max = Math.max(into.max, from.max);
}
