import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SecretVault } from "./secret-vault.ts";
import { Store } from "../store/index.ts";

const scope = { owner: "fn_1", environment: "prod", name: "API_KEY" };

test("seal/open round-trips and uses a fresh IV every time", () => {
  const vault = new SecretVault(randomBytes(32));
  const a = vault.seal("hunter2", scope);
  const b = vault.seal("hunter2", scope);
  assert.equal(a.iv.length, 12);
  assert.notDeepEqual(a.iv, b.iv);
  assert.notDeepEqual(a.ciphertext, b.ciphertext);
  assert.equal(vault.open(a, scope), "hunter2");
});

test("tampered ciphertext, tag or IV, another scope or another key: refused without leaking the value", () => {
  const vault = new SecretVault(randomBytes(32));
  const sealed = vault.seal("s3cret-value", scope);
  const flip = (b: Buffer) => {
    const c = Buffer.from(b);
    c[0] ^= 1;
    return c;
  };
  const attempts = [
    () => vault.open({ ...sealed, ciphertext: flip(sealed.ciphertext) }, scope),
    () => vault.open({ ...sealed, tag: flip(sealed.tag) }, scope),
    () => vault.open({ ...sealed, iv: flip(sealed.iv) }, scope),
    () => vault.open(sealed, { ...scope, name: "OTHER" }),
    () => vault.open(sealed, { ...scope, environment: "staging" }),
    () => vault.open(sealed, { ...scope, owner: "fn_2" }),
    () => new SecretVault(randomBytes(32)).open(sealed, scope),
  ];
  for (const attempt of attempts) {
    assert.throws(attempt, (err: Error & { code?: string }) => {
      assert.equal(err.code, "FN_004");
      assert.ok(!err.message.includes("s3cret-value"));
      return true;
    });
  }
});

test("a master key of the wrong length is refused", () => {
  assert.throws(() => new SecretVault(randomBytes(16)));
});

test("the plaintext never appears in the SQLite file bytes (db + WAL)", () => {
  const dir = mkdtempSync(join(tmpdir(), "bunbase-vault-"));
  try {
    const store = Store.open(dir);
    const vault = new SecretVault(randomBytes(32));
    const plaintext = "PLAINTEXT-MARKER-7f3a9c";
    store.functions.insert("fn_v", "vaulted", {});
    store.env.putVar(
      "fn_v",
      "prod",
      "TOKEN",
      null,
      vault.seal(plaintext, { owner: "fn_v", environment: "prod", name: "TOKEN" }),
    );
    store.env.putSecret(
      "SHARED",
      "prod",
      vault.seal(plaintext, { owner: "project", environment: "prod", name: "SHARED" }),
    );
    const row = store.env.listVars("fn_v")[0];
    assert.equal(vault.open(row.sealed!, { owner: "fn_v", environment: "prod", name: "TOKEN" }), plaintext);
    for (const file of ["bunbase.db", "bunbase.db-wal"]) {
      const path = join(dir, file);
      if (!existsSync(path)) continue;
      assert.ok(!readFileSync(path).includes(Buffer.from(plaintext)), `${file} holds the plaintext`);
    }
    store.close();
    assert.ok(!readFileSync(join(dir, "bunbase.db")).includes(Buffer.from(plaintext)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
