import assert from "node:assert/strict";
import { createHash, webcrypto } from "node:crypto";
import { after, describe, it } from "node:test";
import { HostCrypto } from "./host-crypto.ts";
import { collectingPool, evaluate, limits, source } from "./test-support.ts";

const { pool } = collectingPool();
after(() => pool.close());

const hex = `const hex = (b) => Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, "0")).join("");
const enc = new TextEncoder();`;

describe("crypto.subtle inside the isolate", () => {
  it("digests with SHA-1/256/384/512", async () => {
    const result = await evaluate(
      pool,
      `${hex} const out = {};
      for (const alg of ["SHA-1", "SHA-256", "SHA-384", "SHA-512"]) out[alg] = hex(await crypto.subtle.digest(alg, enc.encode("abc")));
      out.object = hex(await crypto.subtle.digest({ name: "SHA-256" }, new Uint16Array([0x6261, 0x63])));
      return out;`,
    );
    const expected = (alg: string) => createHash(alg).update("abc").digest("hex");
    assert.deepEqual(result, {
      "SHA-1": expected("sha1"),
      "SHA-256": expected("sha256"),
      "SHA-384": expected("sha384"),
      "SHA-512": expected("sha512"),
      object: createHash("sha256")
        .update(Buffer.from([0x61, 0x62, 0x63, 0x00]))
        .digest("hex"),
    });
  });

  it("signs and verifies with HMAC, ECDSA, RSASSA-PKCS1-v1_5, RSA-PSS and Ed25519", async () => {
    const result = await evaluate(
      pool,
      `${hex} const data = enc.encode("payload"); const out = {};
      const hmac = await crypto.subtle.importKey("raw", enc.encode("secret"), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
      const mac = await crypto.subtle.sign("HMAC", hmac, data);
      out.hmac = [hex(mac), await crypto.subtle.verify("HMAC", hmac, mac, data), await crypto.subtle.verify("HMAC", hmac, mac, enc.encode("x"))];
      const rsa = { publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048, hash: "SHA-256" };
      const cases = [
        [{ name: "ECDSA", namedCurve: "P-256" }, { name: "ECDSA", hash: "SHA-256" }],
        [{ name: "ECDSA", namedCurve: "P-384" }, { name: "ECDSA", hash: { name: "SHA-384" } }],
        [{ name: "RSASSA-PKCS1-v1_5", ...rsa }, "RSASSA-PKCS1-v1_5"],
        [{ name: "RSA-PSS", ...rsa }, { name: "RSA-PSS", saltLength: 32 }],
        [{ name: "Ed25519" }, "Ed25519"],
      ];
      for (const [gen, sig] of cases) {
        const pair = await crypto.subtle.generateKey(gen, true, ["sign", "verify"]);
        const signature = await crypto.subtle.sign(sig, pair.privateKey, data);
        out[gen.name + (gen.namedCurve ?? "")] = [await crypto.subtle.verify(sig, pair.publicKey, signature, data),
          await crypto.subtle.verify(sig, pair.publicKey, signature, enc.encode("tampered")),
          pair.publicKey.type, pair.privateKey.type, pair.publicKey instanceof CryptoKey];
      }
      return out;`,
    );
    const expectedMac = (await import("node:crypto")).createHmac("sha256", "secret").update("payload").digest("hex");
    const ok = [true, false, "public", "private", true];
    assert.deepEqual(result, {
      hmac: [expectedMac, true, false],
      "ECDSAP-256": ok,
      "ECDSAP-384": ok,
      "RSASSA-PKCS1-v1_5": ok,
      "RSA-PSS": ok,
      Ed25519: ok,
    });
  });

  it("encrypts and decrypts with AES-GCM, AES-CBC, AES-CTR and RSA-OAEP", async () => {
    const result = await evaluate(
      pool,
      `const data = new TextEncoder().encode("secret message"); const out = {};
      const iv = crypto.getRandomValues(new Uint8Array(16));
      for (const [name, params] of [["AES-GCM", { iv: iv.slice(0, 12), additionalData: new Uint8Array([1]) }], ["AES-CBC", { iv }], ["AES-CTR", { counter: iv, length: 64 }]]) {
        const key = await crypto.subtle.generateKey({ name, length: 256 }, false, ["encrypt", "decrypt"]);
        const sealed = await crypto.subtle.encrypt({ name, ...params }, key, data);
        out[name] = new TextDecoder().decode(await crypto.subtle.decrypt({ name, ...params }, key, sealed));
      }
      const oaep = await crypto.subtle.generateKey({ name: "RSA-OAEP", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" }, false, ["encrypt", "decrypt"]);
      const sealed = await crypto.subtle.encrypt({ name: "RSA-OAEP" }, oaep.publicKey, data);
      out.oaep = new TextDecoder().decode(await crypto.subtle.decrypt({ name: "RSA-OAEP" }, oaep.privateKey, sealed));
      try { await crypto.subtle.decrypt({ name: "AES-GCM", iv: new Uint8Array(12) }, await crypto.subtle.generateKey({ name: "AES-GCM", length: 128 }, false, ["decrypt"]), new Uint8Array(32)); }
      catch (e) { out.tampered = [e.name, e instanceof DOMException]; }
      return out;`,
    );
    assert.deepEqual(result, {
      "AES-GCM": "secret message",
      "AES-CBC": "secret message",
      "AES-CTR": "secret message",
      oaep: "secret message",
      tampered: ["OperationError", true],
    });
  });

  it("derives bits and keys with PBKDF2, HKDF and ECDH", async () => {
    const result = await evaluate(
      pool,
      `${hex} const out = {};
      const password = await crypto.subtle.importKey("raw", enc.encode("pw"), "PBKDF2", false, ["deriveBits", "deriveKey"]);
      out.pbkdf2 = hex(await crypto.subtle.deriveBits({ name: "PBKDF2", salt: enc.encode("salt"), iterations: 1000, hash: "SHA-256" }, password, 256));
      const ikm = await crypto.subtle.importKey("raw", enc.encode("input"), "HKDF", false, ["deriveKey"]);
      const aes = await crypto.subtle.deriveKey({ name: "HKDF", salt: new Uint8Array(8), info: enc.encode("info"), hash: "SHA-256" }, ikm, { name: "AES-GCM", length: 128 }, true, ["encrypt"]);
      out.hkdf = [aes.algorithm.name, aes.algorithm.length, (await crypto.subtle.exportKey("raw", aes)).byteLength];
      const a = await crypto.subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, false, ["deriveBits"]);
      const b = await crypto.subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, false, ["deriveBits"]);
      const ab = hex(await crypto.subtle.deriveBits({ name: "ECDH", public: b.publicKey }, a.privateKey, 256));
      const ba = hex(await crypto.subtle.deriveBits({ name: "ECDH", public: a.publicKey }, b.privateKey, 256));
      out.ecdh = ab === ba && ab.length === 64;
      try { await crypto.subtle.deriveBits({ name: "PBKDF2", salt: new Uint8Array(8), iterations: 1e7, hash: "SHA-256" }, password, 256); }
      catch (e) { out.iterations = e.name; }
      return out;`,
    );
    const expected = (await import("node:crypto")).pbkdf2Sync("pw", "salt", 1000, 32, "sha256").toString("hex");
    assert.deepEqual(result, {
      pbkdf2: expected,
      hkdf: ["AES-GCM", 128, 16],
      ecdh: true,
      iterations: "NotSupportedError",
    });
  });

  it("imports and exports raw, jwk, spki and pkcs8; CryptoKey attributes are the spec's", async () => {
    const result = await evaluate(
      pool,
      `const pair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"]);
      const jwk = await crypto.subtle.exportKey("jwk", pair.privateKey);
      const spki = await crypto.subtle.exportKey("spki", pair.publicKey);
      const pkcs8 = await crypto.subtle.exportKey("pkcs8", pair.privateKey);
      const again = await crypto.subtle.importKey("spki", spki, { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
      const priv = await crypto.subtle.importKey("pkcs8", pkcs8, { name: "ECDSA", namedCurve: "P-256" }, false, ["sign"]);
      const fromJwk = await crypto.subtle.importKey("jwk", jwk, { name: "ECDSA", namedCurve: "P-256" }, false, ["sign"]);
      const sig = await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, fromJwk, new Uint8Array([1]));
      const out = { kty: jwk.kty, crv: jwk.crv, hasD: typeof jwk.d, spki: spki instanceof ArrayBuffer,
        verified: await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, again, sig, new Uint8Array([1])),
        attrs: [priv.type, priv.extractable, priv.algorithm, priv.usages, Object.prototype.toString.call(priv)],
        frozen: Object.isFrozen(priv.usages) && Object.isFrozen(priv.algorithm) };
      try { await crypto.subtle.exportKey("jwk", priv); } catch (e) { out.notExtractable = e.name; }
      try { new CryptoKey(); } catch (e) { out.construct = e instanceof TypeError; }
      out.keys = Object.keys(priv).sort();
      out.symbols = Object.getOwnPropertySymbols(priv).length;
      return out;`,
    );
    assert.deepEqual(result, {
      kty: "EC",
      crv: "P-256",
      hasD: "string",
      spki: true,
      verified: true,
      attrs: ["private", false, { name: "ECDSA", namedCurve: "P-256" }, ["sign"], "[object CryptoKey]"],
      frozen: true,
      notExtractable: "InvalidAccessError",
      construct: true,
      keys: ["algorithm", "extractable", "type", "usages"],
      symbols: 0,
    });
  });

  it("wraps and unwraps keys with AES-KW", async () => {
    const result = await evaluate(
      pool,
      `const kek = await crypto.subtle.generateKey({ name: "AES-KW", length: 256 }, false, ["wrapKey", "unwrapKey"]);
      const key = await crypto.subtle.generateKey({ name: "HMAC", hash: "SHA-256", length: 256 }, true, ["sign"]);
      const wrapped = await crypto.subtle.wrapKey("raw", key, kek, "AES-KW");
      const back = await crypto.subtle.unwrapKey("raw", wrapped, kek, "AES-KW", { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
      const data = new Uint8Array([1, 2, 3]);
      const same = new Uint8Array(await crypto.subtle.sign("HMAC", key, data)).join() === new Uint8Array(await crypto.subtle.sign("HMAC", back, data)).join();
      return [wrapped.byteLength, same, back.extractable];`,
    );
    assert.deepEqual(result, [40, true, false]);
  });

  it("keeps keys made at module scope across invocations", async () => {
    const fn =
      source(`const key = await crypto.subtle.importKey("raw", new Uint8Array(32), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
      export async function handler() { return new Uint8Array(await crypto.subtle.sign("HMAC", key, new Uint8Array([1])))[0]; }`);
    const first = await pool.invokeEvent(fn, limits, { invocationId: "k1", event: {}, env: {} });
    const second = await pool.invokeEvent(fn, limits, { invocationId: "k2", event: {}, env: {} });
    assert.equal(typeof first.result, "number");
    assert.equal(second.result, first.result);
  });
});

describe("crypto.subtle: what a guest cannot do", () => {
  it("refuses forged keys, wrong types and huge inputs with TypeErrors", async () => {
    const result = await evaluate(
      pool,
      `const out = [];
      const key = await crypto.subtle.importKey("raw", new Uint8Array(16), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
      const attempts = [
        () => crypto.subtle.sign("HMAC", Object.create(CryptoKey.prototype), new Uint8Array(1)),
        () => crypto.subtle.sign("HMAC", { __proto__: key }, new Uint8Array(1)),
        () => crypto.subtle.sign("HMAC", 12345, new Uint8Array(1)),
        () => crypto.subtle.sign("HMAC", key, "not bytes"),
        () => crypto.subtle.digest("SHA-256", new Uint8Array(11 * 1024 * 1024)),
        () => crypto.subtle.digest({ name: 42 }, new Uint8Array(1)),
        () => crypto.subtle.importKey("jwk", { kty: "oct", k: 5 }, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]),
        () => crypto.subtle.importKey("raw", new Uint8Array(16), { name: "HMAC", hash: "SHA-256" }, false, ["fly"]),
        () => crypto.subtle.generateKey({ name: "RSA-PSS", modulusLength: 16384, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" }, false, ["sign"]),
        () => crypto.subtle.digest("SHA-256", { length: 5 }),
      ];
      for (const attempt of attempts) {
        try { await attempt(); out.push("accepted"); } catch (e) { out.push(e.name); }
      }
      return out;`,
    );
    assert.deepEqual(result, [
      "TypeError",
      "TypeError",
      "TypeError",
      "TypeError",
      "TypeError",
      "NotSupportedError",
      "TypeError",
      "TypeError",
      "NotSupportedError",
      "TypeError",
    ]);
  });

  it("resolves a handle only in the instance that made it", async () => {
    const mine = new HostCrypto();
    const theirs = new HostCrypto();
    const made = (await mine.operations["subtle.importKey"]({
      format: "raw",
      keyData: new Uint8Array(16),
      algorithm: { name: "HMAC", hash: "SHA-256" },
      extractable: true,
      usages: ["sign"],
    })) as { handle: number };
    const sign = { algorithm: "HMAC", key: made.handle, data: new Uint8Array(1) };
    assert.ok((await mine.operations["subtle.sign"](sign)) instanceof Uint8Array);
    await assert.rejects(theirs.operations["subtle.sign"](sign), {
      name: "TypeError",
      message: /not a CryptoKey of this function/,
    });
    await assert.rejects(theirs.operations["subtle.exportKey"]({ format: "raw", key: made.handle }), {
      name: "TypeError",
    });
    mine.release(made.handle);
    await assert.rejects(mine.operations["subtle.sign"](sign), { name: "TypeError" });
  });

  it("checks every argument on the host", async () => {
    const host = new HostCrypto();
    const bad: unknown[] = [
      null,
      5,
      "x",
      [],
      { algorithm: { name: "SHA-256", hash: { name: {} } }, data: new Uint8Array(1) },
    ];
    for (const args of bad) await assert.rejects(host.operations["subtle.digest"](args), { name: "TypeError" });
    await assert.rejects(
      host.operations["subtle.importKey"]({
        format: "jwk",
        keyData: { kty: "oct", k: "AAAA", oth: [] },
        algorithm: { name: "HMAC", hash: "SHA-256" },
        extractable: false,
        usages: ["sign"],
      }),
      { name: "NotSupportedError" },
    );
    await assert.rejects(host.operations["subtle.deriveBits"]({ algorithm: "HKDF", key: 1, length: -1 }), {
      name: "TypeError",
    });
    // Node itself agrees that the checked arguments are the real thing.
    assert.ok(webcrypto.subtle);
  });
});
