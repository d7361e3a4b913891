/**
 * Scenario: the handler returns a Proxy around a real Response (and a Response subclass
 * with overriding getters) whose traps report status 9999 and a header carrying CRLF to
 * smuggle `set-cookie`. forged-response.test.ts covers defineProperty on a plain
 * Response in-process; here the forgery goes through traps and the real HTTP server. The
 * host must either see through to the real response (200, body "real") or refuse it
 * (502 FN_004); a forged status or an injected header must never reach the client.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { errorOf } from "../helpers/functions.ts";
import { assertHostSurvived, deployHandler, usePlatform } from "./harness.ts";

const platform = usePlatform();

test("a Proxy or subclass forging status and headers never reaches the client", async () => {
  const { p, host } = platform();
  await deployHandler(
    p,
    "forger",
    `const forgedHeaders = () => {
      const h = new Headers({ "x-ok": "1" });
      return new Proxy(h, {
        get(target, key, receiver) {
          if (key === Symbol.iterator || key === "entries") {
            return function* () { yield ["x-ok", "1\\r\\nset-cookie: evil=1"]; yield ["set-cookie\\r\\nx", "evil"]; };
          }
          if (key === "get") return () => "1\\r\\nset-cookie: evil=1";
          const value = Reflect.get(target, key, target);
          return typeof value === "function" ? value.bind(target) : value;
        },
      });
    };
    class Forged extends Response {
      get status() { return 9999; }
      get headers() { return forgedHeaders() as unknown as Headers; }
    }
    export function handler(req: Request) {
      const mode = new URL(req.url).searchParams.get("mode");
      const real = new Response("real", { headers: { "x-ok": "1" } });
      if (mode === "subclass") return new Forged("real");
      return new Proxy(real, {
        get(target, key) {
          if (key === "status") return 9999;
          if (key === "ok") return true;
          if (key === "headers") return forgedHeaders();
          const value = Reflect.get(target, key, target);
          return typeof value === "function" ? value.bind(target) : value;
        },
        getPrototypeOf: () => Response.prototype,
      });
    }`,
  );
  for (const mode of ["proxy", "subclass"]) {
    const res = await p.edge(`/forger?mode=${mode}`);
    assert.notEqual(res.status, 9999);
    assert.equal(res.headers.get("set-cookie"), null, `${mode}: a header was injected`);
    assert.ok(![...res.headers.keys()].some((name) => name.includes("\n") || name.includes("\r")));
    if (res.status === 200) {
      assert.equal(await res.text(), "real");
    } else {
      assert.equal(res.status, 502, `${mode}: unexpected status ${res.status}`);
      assert.equal((await errorOf(res)).code, "FN_004");
    }
  }
  await assertHostSurvived(p, host);
});
