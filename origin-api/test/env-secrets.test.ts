import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createAndDeploy, errorOf, json, startOrigin, type Origin } from "./origin-process.ts";

let o: Origin;
before(async () => {
  o = await startOrigin();
});
after(async () => {
  await o?.stop();
});

const SECRET = "s3cr3t-PLAINTEXT-4f9a";
const PROJECT = "project-PLAINTEXT-77c1";

interface Snapshot {
  revision: number;
  functions: { name: string; versions: Record<string, { env: Record<string, string> }> }[];
}

const snapshotEnv = async (name: string, environment = "prod") => {
  const snap = await json<Snapshot>(await o.api("/internal/snapshot", { key: o.nodeKey }), 200);
  return snap.functions.find((f) => f.name === name)?.versions[environment]?.env;
};

test("variables: plain values are shown, secret values never are, and reach the edge decrypted", async () => {
  // The reference must resolve at create time: set the project secret first, then create.
  await json(await o.api("/secrets", { method: "POST", json: { name: "DB_PASS", value: PROJECT } }), 201);
  await createAndDeploy(o, {
    name: "envy",
    environment: { FROM_CONFIG: "c", DB: "postgres://u:${secrets.DB_PASS}@h/db" },
  });

  const plain = await json<Record<string, unknown>>(
    await o.api("/functions/envy/env", { method: "POST", json: { key: "MODE", value: "fast" } }),
    201,
  );
  assert.equal(plain.value, "fast");
  const secret = await json<Record<string, unknown>>(
    await o.api("/functions/envy/env", { method: "POST", json: { key: "TOKEN", value: SECRET, secret: true } }),
    201,
  );
  assert.equal(secret.secret, true);
  assert.ok(!("value" in secret));
  await json(
    await o.api("/functions/envy/env", {
      method: "POST",
      json: { key: "MODE", value: "stage", environment: "staging" },
    }),
    201,
  );

  const { variables } = await json<{ variables: Record<string, unknown>[] }>(await o.api("/functions/envy/env"), 200);
  assert.deepEqual(
    variables.map((v) => [v.key, v.environment, v.value, v.secret]),
    [
      ["MODE", "prod", "fast", false],
      ["TOKEN", "prod", undefined, true],
      ["MODE", "staging", "stage", false],
    ],
  );

  const env = await snapshotEnv("envy");
  assert.deepEqual(env, { FROM_CONFIG: "c", DB: `postgres://u:${PROJECT}@h/db`, MODE: "fast", TOKEN: SECRET });

  // The function's own secret variable wins over the project secret of the same name.
  await json(
    await o.api("/functions/envy/env", { method: "POST", json: { key: "DB_PASS", value: "own-pass", secret: true } }),
    201,
  );
  assert.equal((await snapshotEnv("envy"))?.DB, "postgres://u:own-pass@h/db");

  assert.equal((await o.api("/functions/envy/env/MODE?environment=staging", { method: "DELETE" })).status, 204);
  assert.equal(
    (await errorOf(await o.api("/functions/envy/env/MODE?environment=staging", { method: "DELETE" }), 404)).code,
    "FN_001",
  );
  assert.equal(
    (await errorOf(await o.api("/functions/envy/env", { method: "POST", json: { key: "1BAD", value: "x" } }), 400))
      .details?.path,
    "key",
  );
});

test("secret values are in no API output and not in the database file bytes", async () => {
  const outputs = await Promise.all(
    [
      "/functions",
      "/functions/envy",
      "/functions/envy/env",
      "/functions/envy/versions",
      "/secrets",
      "/secrets/DB_PASS",
      "/openapi.json",
    ].map(async (p) => (await o.api(p)).text()),
  );
  for (const text of outputs) {
    assert.ok(!text.includes(SECRET) && !text.includes(PROJECT), "a secret value leaked into an API response");
  }
  for (const file of ["bunbase.db", "bunbase.db-wal"]) {
    const path = join(o.dataDir, file);
    if (!existsSync(path)) continue;
    const bytes = readFileSync(path);
    assert.ok(
      !bytes.includes(Buffer.from(SECRET)) && !bytes.includes(Buffer.from(PROJECT)),
      `${file} holds a plaintext secret`,
    );
  }
  assert.ok(!o.lines.some((l) => l.includes(SECRET) || l.includes(PROJECT)), "a secret value reached the log");
});

test("an unresolved ${secrets.X} is FN_006 naming environment.<KEY> at create, PUT and deploy", async () => {
  const create = await errorOf(
    await o.api("/functions", { method: "POST", json: { name: "refs", environment: { API: "${secrets.NOPE}" } } }),
    400,
  );
  assert.equal(create.details?.path, "environment.API");
  await json(await o.api("/functions", { method: "POST", json: { name: "refs" } }), 201);
  const put = await errorOf(
    await o.api("/functions/refs", { method: "PUT", json: { environment: { K: "x${secrets.NOPE}" } } }),
    400,
  );
  assert.equal(put.details?.path, "environment.K");
  const deploy = await errorOf(
    await o.api("/functions/refs/deploy", {
      method: "POST",
      json: {
        bundle: { code: "export default 1", exportName: "default" },
        config: { environment: { D: "${secrets.NOPE}" } },
      },
    }),
    400,
  );
  assert.equal(deploy.details?.path, "environment.D");
});

test("project secrets: set, list without values, rotate with and without a value, delete", async () => {
  const set = await json<Record<string, unknown>>(
    await o.api("/secrets", { method: "POST", json: { name: "ROTATE_ME", value: "one" } }),
    201,
  );
  assert.equal(set.version, 1);
  assert.ok(!("value" in set));
  const given = await json<Record<string, unknown>>(
    await o.api("/secrets/ROTATE_ME/rotate", { method: "POST", json: { value: "two" } }),
    200,
  );
  assert.equal(given.version, 2);
  assert.ok(!("value" in given));
  const generated = await json<{ version: number; value: string }>(
    await o.api("/secrets/ROTATE_ME/rotate", { method: "POST" }),
    200,
  );
  assert.equal(generated.version, 3);
  assert.match(generated.value, /^[A-Za-z0-9_-]{43}$/);
  const { secrets } = await json<{ secrets: Record<string, unknown>[] }>(await o.api("/secrets"), 200);
  const listed = secrets.find((x) => x.name === "ROTATE_ME");
  assert.equal(listed?.version, 3);
  assert.ok(!JSON.stringify(secrets).includes(generated.value));

  await json(
    await o.api("/functions", {
      method: "POST",
      json: { name: "uses-rotated", environment: { R: "${secrets.ROTATE_ME}" } },
    }),
    201,
  );
  await json(
    await o.api("/functions/uses-rotated/deploy", {
      method: "POST",
      json: { bundle: { code: "export default 1", exportName: "default" } },
    }),
    201,
  );
  assert.equal((await snapshotEnv("uses-rotated"))?.R, generated.value);

  assert.equal((await errorOf(await o.api("/secrets/NOT_THERE/rotate", { method: "POST" }), 404)).code, "FN_001");
  assert.equal((await o.api("/secrets/ROTATE_ME", { method: "DELETE" })).status, 204);
  assert.equal((await errorOf(await o.api("/secrets/ROTATE_ME"), 404)).code, "FN_001");
});
