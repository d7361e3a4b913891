import { before, test } from "node:test";
import assert from "node:assert/strict";
import { rejection } from "../../../../bundler/src/test-dirs.ts";
import { runtimeStatus } from "./runtime-status.ts";
import { buildSample, postEvent, startSample, waitForLine, type RunningSample } from "./test-support.ts";

const MAIN_PY = `import hashlib
import json
import logging


def handler(request):
    data = request.json() or {}
    print("hashing", data.get("text"))
    logging.warning("careful")
    digest = hashlib.sha256(data.get("text", "").encode()).hexdigest()
    return {"method": request.method, "path": request.path, "query": request.query, "sha256": digest}


def on_event(event, context):
    return {"type": event["type"], "invocation": context.invocation_id}


def boom(event, context):
    raise ValueError("no luck")
`;

const FILES = {
  "main.py": MAIN_PY,
  "text.py": `def handler(request):\n    return ("created " + request.headers["x-name"], 201, {"x-extra": "1"})\n`,
};

let sample: RunningSample;
let buildMs = 0;

before(async () => {
  const built = await buildSample("python3.11", FILES, {
    handler: "main.handler",
    triggers: [{ type: "event", event: "thing.made", handler: "on_event" }],
  });
  buildMs = built.buildMs;
  sample = await startSample("python3.11", built.outDir);
});

test("an HTTP handler using json and hashlib answers with JSON", async (t) => {
  const started = performance.now();
  const res = await fetch(`${sample.url}/hash?x=1`, {
    method: "POST",
    headers: { "x-bunbase-invocation-id": "inv-py-1" },
    body: JSON.stringify({ text: "abc" }),
  });
  const firstMs = Math.round(performance.now() - started);
  t.diagnostic(`python3.11: build ${buildMs} ms, start ${sample.startMs} ms, first response ${firstMs} ms`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "application/json");
  assert.deepEqual(await res.json(), {
    method: "POST",
    path: "/hash",
    query: { x: "1" },
    sha256: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  });
});

test("print() and logging in a request become JSON lines with the invocation id", async () => {
  await fetch(`${sample.url}/`, { method: "POST", headers: { "x-bunbase-invocation-id": "inv-py-2" }, body: "{}" });
  const printed = await waitForLine(sample, (r) => r.invocationId === "inv-py-2" && r.message === "hashing None");
  assert.equal(printed.level, "info");
  const warned = await waitForLine(sample, (r) => r.invocationId === "inv-py-2" && r.message === "careful");
  assert.equal(warned.level, "warn");
});

test("an event goes to the trigger's handler and comes back as {result}", async () => {
  const res = await postEvent(sample.url, { type: "thing.made", data: {} }, "on_event");
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { result: { type: "thing.made", invocation: "inv-event" } });
});

test("an exception is a 500 with the runtime-error header, message and stack", async () => {
  const res = await postEvent(sample.url, { type: "x" }, "main.boom");
  assert.equal(res.status, 500);
  assert.equal(res.headers.get("x-bunbase-runtime-error"), "1");
  const body = (await res.json()) as { error: { message: string; stack: string } };
  assert.equal(body.error.message, "ValueError: no luck");
  assert.match(body.error.stack, /main\.py", line 19, in boom/);
});

test("a (body, status, headers) tuple sets all three; a module of its own can be the handler", async () => {
  const built = await buildSample("python3.11", FILES, { handler: "text.handler" });
  const other = await startSample("python3.11", built.outDir);
  const res = await fetch(other.url, { headers: { "x-name": "ada" } });
  assert.equal(res.status, 201);
  assert.equal(res.headers.get("x-extra"), "1");
  assert.equal(await res.text(), "created ada");
});

test("a syntax error fails the build with FN_005 and a diagnostic at its line", async () => {
  const broken = { "main.py": `def handler(request):\n    return {"ok": True}\n\nif x ==:\n    pass\n` };
  const err = await rejection(() => buildSample("python3.11", broken));
  assert.equal(err.code, "FN_005");
  const [first] = err.details.diagnostics as { file: string; line: number; message: string }[];
  assert.equal(first.file, "main.py");
  assert.equal(first.line, 4);
  assert.match(first.message, /SyntaxError/);
});

test("a missing handler module or function fails the build", async () => {
  const missing = await rejection(() => buildSample("python3.11", { "app.py": "x = 1\n" }));
  assert.match(missing.message, /handler module main\.py not found/);
  const noFn = await rejection(() => buildSample("python3.11", { "main.py": "def other(r):\n    pass\n" }));
  assert.match(noFn.message, /main\.py defines no function handler/);
});

test("Python versions the machine lacks are unavailable, naming what is missing", () => {
  const status = runtimeStatus("python3.12");
  if (status.available) return; // a machine that has it
  assert.match(status.reason, /\/usr\/bin\/python3\.12/);
});
