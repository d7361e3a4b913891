import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "../../core/index.ts";
import { createApp } from "./app.ts";
import { openApiDocument } from "./routes/openapi-spec.ts";
import { createServices, Runner } from "./services/index.ts";
import { Store } from "./store/index.ts";

test("every route the app registers is in the OpenAPI document", () => {
  const dir = mkdtempSync(join(tmpdir(), "bunbase-app-"));
  const store = Store.open(dir);
  try {
    const log = createLogger("test");
    const s = createServices({
      store,
      masterKey: randomBytes(32),
      dataDir: dir,
      log,
      builder: () => {
        throw new Error("no builds here");
      },
      runner: new Runner({ nodeKey: "", dataDir: dir, log }),
    });
    const app = createApp(s);
    const doc = openApiDocument() as { paths: Record<string, Record<string, unknown>> };
    const registered = app.routes.filter((r) => r.method !== "ALL" && r.path !== "/*");
    assert.ok(registered.length > 25);
    for (const r of registered) {
      const path = r.path.replace(/:(\w+)/g, "{$1}");
      assert.ok(doc.paths[path]?.[r.method.toLowerCase()], `${r.method} ${r.path} is missing from openapi-spec.ts`);
    }
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
