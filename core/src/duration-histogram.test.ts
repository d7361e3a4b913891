import assert from "node:assert/strict";
import { test } from "node:test";
import {
  HISTOGRAM_MAX_INDEX,
  HISTOGRAM_MIN_MS,
  HISTOGRAM_RELATIVE_ERROR,
  addToHistogram,
  histogramCount,
  histogramIndex,
  histogramPercentile,
  histogramValue,
  mergeHistogram,
  type Histogram,
} from "./duration-histogram.ts";

/** Nearest rank, as the metrics define it. */
function exactPercentile(sorted: number[], p: number): number {
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1];
}

/** A seeded generator (mulberry32), so a failure reproduces. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test("every value in (1 µs, 1 h] is represented within the relative error bound", () => {
  assert.ok(HISTOGRAM_RELATIVE_ERROR < 0.02);
  for (let v = HISTOGRAM_MIN_MS * 1.0001; v <= 3_600_000; v *= 1.013) {
    const rep = histogramValue(histogramIndex(v));
    assert.ok(Math.abs(rep - v) / v <= HISTOGRAM_RELATIVE_ERROR + 1e-12, `${v} -> ${rep}`);
  }
});

test("edge values: 0, tiny, negative and NaN go to bucket 0; beyond an hour is clamped", () => {
  for (const v of [0, HISTOGRAM_MIN_MS, HISTOGRAM_MIN_MS / 10, -5, Number.NaN]) assert.equal(histogramIndex(v), 0);
  assert.equal(histogramValue(0), 0);
  assert.equal(histogramIndex(3_600_000), HISTOGRAM_MAX_INDEX);
  assert.equal(histogramIndex(1e12), HISTOGRAM_MAX_INDEX);
  assert.ok(HISTOGRAM_MAX_INDEX < 600, "a few hundred buckets at most");
  assert.equal(histogramPercentile({}, 99), 0);
  const one: Histogram = {};
  addToHistogram(one, 42);
  for (const p of [0, 50, 100]) assert.ok(Math.abs(histogramPercentile(one, p) - 42) / 42 <= HISTOGRAM_RELATIVE_ERROR);
});

test("percentiles of random data stay within the bound of the exact nearest-rank ones", () => {
  const next = random(7);
  const shapes: Record<string, () => number> = {
    uniform: () => next() * 500,
    "log-uniform": () => 0.01 * 10 ** (next() * 7),
    "long tail": () => -Math.log(1 - next()) * 20 + (next() < 0.01 ? 5_000 : 0),
    "rounded to 0.01 ms": () => Math.round(next() * 3 * 100) / 100,
  };
  for (const [shape, draw] of Object.entries(shapes)) {
    const values = Array.from({ length: 20_000 }, draw);
    const hist: Histogram = {};
    for (const v of values) addToHistogram(hist, v);
    values.sort((a, b) => a - b);
    for (const p of [1, 25, 50, 90, 95, 99, 99.9, 100]) {
      const exact = exactPercentile(values, p);
      const got = histogramPercentile(hist, p);
      const tolerance = Math.max(exact * HISTOGRAM_RELATIVE_ERROR, HISTOGRAM_MIN_MS);
      assert.ok(Math.abs(got - exact) <= tolerance + 1e-9, `${shape} p${p}: ${got} vs exact ${exact}`);
    }
  }
});

test("merging histograms equals building one from all the values", () => {
  const next = random(11);
  const all: Histogram = {};
  const parts: Histogram[] = [{}, {}, {}];
  for (let i = 0; i < 5_000; i++) {
    const v = next() * 1_000;
    addToHistogram(all, v);
    addToHistogram(parts[i % 3], v);
  }
  const merged: Histogram = {};
  for (const part of parts) mergeHistogram(merged, part);
  assert.deepEqual(merged, all);
  assert.equal(histogramCount(merged), 5_000);
  // Through JSON (string keys) too, as the wire carries it.
  const wire = JSON.parse(JSON.stringify(merged)) as Histogram;
  assert.equal(histogramPercentile(wire, 95), histogramPercentile(all, 95));
});
