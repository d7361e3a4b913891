import { before, test } from "node:test";
import assert from "node:assert/strict";
import { rejection } from "../../../../bundler/src/test-dirs.ts";
import { runtimeStatus } from "./runtime-status.ts";
import { buildSample, postEvent, startSample, type RunningSample } from "./test-support.ts";

const GO_MOD = "module example.com/hello\n\ngo 1.22\n";

const HELLO_GO = `package hello

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log"
	"net/http"
)

func Handler(w http.ResponseWriter, r *http.Request) {
	log.Printf("hashing %q", r.URL.Query().Get("text"))
	sum := sha256.Sum256([]byte(r.URL.Query().Get("text")))
	w.Header().Set("content-type", "application/json")
	json.NewEncoder(w).Encode(map[string]string{"path": r.URL.Path, "sha256": hex.EncodeToString(sum[:])})
}

func OnEvent(ctx context.Context, event json.RawMessage) (any, error) {
	var e struct {
		Type string \`json:"type"\`
	}
	if err := json.Unmarshal(event, &e); err != nil {
		return nil, err
	}
	return map[string]string{"type": e.Type}, nil
}

func Fails(ctx context.Context, event json.RawMessage) (any, error) { return nil, errors.New("no luck") }

func Panics(ctx context.Context, event json.RawMessage) (any, error) { panic("boom") }

func Helper() {}
`;

const FILES = { "go.mod": GO_MOD, "hello.go": HELLO_GO };
const status = runtimeStatus("go1.x");
const skip = status.available ? false : `go1.x unavailable: ${status.reason}`;

let sample: RunningSample;
let buildMs = 0;

before(async () => {
  if (skip) return;
  const built = await buildSample("go1.x", FILES, {
    triggers: ["OnEvent", "Fails", "Panics"].map((handler, i) => ({ type: "event", event: `e${i}`, handler })),
  });
  buildMs = built.buildMs;
  sample = await startSample("go1.x", built.outDir);
});

test("a net/http Handler serves requests", { skip }, async (t) => {
  const started = performance.now();
  const res = await fetch(`${sample.url}/hash?text=abc`, { headers: { "x-bunbase-invocation-id": "inv-go" } });
  const firstMs = Math.round(performance.now() - started);
  t.diagnostic(`go1.x: build ${buildMs} ms, start ${sample.startMs} ms, first response ${firstMs} ms`);
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), {
    path: "/hash",
    sha256: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  });
  const logged = sample.lines.find((l) => l.record?.message === `hashing "abc"`);
  assert.equal(logged?.record?.level, "info");
});

test("an event handler answers {result}; an error or a panic is a runtime error", { skip }, async () => {
  const ok = await postEvent(sample.url, { type: "thing.made" }, "OnEvent");
  assert.equal(ok.status, 200);
  assert.deepEqual(await ok.json(), { result: { type: "thing.made" } });

  const failed = await postEvent(sample.url, { type: "x" }, "Fails");
  assert.equal(failed.status, 500);
  assert.equal(failed.headers.get("x-bunbase-runtime-error"), "1");
  assert.equal(((await failed.json()) as { error: { message: string } }).error.message, "no luck");

  const panicked = await postEvent(sample.url, { type: "x" }, "Panics");
  assert.equal(panicked.status, 500);
  assert.equal(panicked.headers.get("x-bunbase-runtime-error"), "1");
  const body = (await panicked.json()) as { error: { message: string; stack: string } };
  assert.equal(body.error.message, "panic: boom");
  assert.match(body.error.stack, /hello\.Panics/);
  const logged = sample.lines.find((l) => String(l.record?.message).startsWith("panic: boom"));
  assert.deepEqual([logged?.record?.level, logged?.record?.invocationId], ["error", "inv-event"]);
});

test("a compile error fails the build with FN_005 and file:line:column diagnostics", { skip }, async () => {
  const broken = HELLO_GO.replace("hex.EncodeToString(sum[:])", "hex.EncodeToString(summ[:])");
  const err = await rejection(() => buildSample("go1.x", { ...FILES, "hello.go": broken }));
  assert.equal(err.code, "FN_005");
  const diagnostics = err.details.diagnostics as { file: string; line: number; column: number; message: string }[];
  assert.deepEqual(
    diagnostics.map((d) => `${d.file}:${d.line}:${d.column}: ${d.message}`),
    ["hello.go:15:2: declared and not used: sum", "hello.go:17:95: undefined: summ"],
  );
  assert.match(err.message, /^Build failed: hello\.go:15:2: declared and not used: sum$/);
});

test("a missing or mistyped handler is a clear diagnostic", { skip }, async () => {
  const missing = await rejection(() => buildSample("go1.x", FILES, { handler: "Missing" }));
  assert.match(missing.message, /package example\.com\/hello has no exported function Missing/);
  const mistyped = await rejection(() => buildSample("go1.x", FILES, { handler: "Helper" }));
  assert.match(mistyped.message, /handler Helper has the wrong type/);
  const noMod = await rejection(() => buildSample("go1.x", { "hello.go": HELLO_GO }));
  assert.match(noMod.message, /go\.mod not found/);
});

test("a vendoring module gets bunbase.dev/sdk too; outside a container a call is FN_004", { skip }, async () => {
  const files = {
    "go.mod":
      "module example.com/vend\n\ngo 1.22\n\nrequire example.com/dep v0.0.0\n\nreplace example.com/dep => ./dep\n",
    "dep/go.mod": "module example.com/dep\n\ngo 1.22\n",
    "dep/dep.go": 'package dep\n\nconst Greeting = "hi"\n',
    "vendor/modules.txt":
      "# example.com/dep v0.0.0 => ./dep\n## explicit; go 1.22\nexample.com/dep\n# example.com/dep => ./dep\n",
    "vendor/example.com/dep/dep.go": 'package dep\n\nconst Greeting = "hi"\n',
    "vend.go": `package vend

import (
	"errors"
	"fmt"
	"net/http"

	"bunbase.dev/sdk"
	"example.com/dep"
)

func Handler(w http.ResponseWriter, r *http.Request) {
	_, err := sdk.DB(r.Context()).Collection("notes").Doc("a").Get()
	var e *sdk.Error
	errors.As(err, &e)
	fmt.Fprintf(w, "%s %s %s", dep.Greeting, e.Code, r.Header.Get("x-bunbase-sdk-token"))
}
`,
  };
  const built = await buildSample("go1.x", files);
  const vendored = await startSample("go1.x", built.outDir);
  const res = await fetch(vendored.url, { headers: { "x-bunbase-sdk-token": "v1.secret.mac" } });
  assert.equal(res.status, 200);
  assert.equal(await res.text(), "hi FN_004 ", "the token never reaches the handler's headers");
});
