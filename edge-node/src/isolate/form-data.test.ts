import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { collectingPool, evaluate, limits, request, source, text } from "./test-support.ts";

const { pool } = collectingPool();
after(() => pool.close());

describe("Blob and File", () => {
  it("joins parts, slices, reads as text, bytes, arrayBuffer and stream", async () => {
    const result = await evaluate(
      pool,
      `const blob = new Blob(["héllo ", new Uint8Array([119, 111]), new Blob(["rld"])], { type: "Text/Plain" });
      const read = async (stream) => { let out = ""; const d = new TextDecoder(); for (const r = stream.getReader();;) { const { done, value } = await r.read(); if (done) return out; out += d.decode(value, { stream: true }); } };
      const file = new File(["x"], "a.txt", { type: "text/plain", lastModified: 42 });
      return { size: blob.size, type: blob.type, text: await blob.text(), slice: await blob.slice(1, -3).text(),
        negative: await blob.slice(-5).text(), sliceType: blob.slice(0, 1, "a/b").type,
        bytes: Array.from(await blob.slice(0, 2).bytes()), buffer: (await blob.arrayBuffer()).byteLength,
        stream: await read(blob.stream()), tag: Object.prototype.toString.call(blob),
        file: [file.name, file.lastModified, file.size, file instanceof Blob, Object.prototype.toString.call(file)],
        badType: new Blob([], { type: "é" }).type };`,
    );
    assert.deepEqual(result, {
      size: 12,
      type: "text/plain",
      text: "héllo world",
      slice: "éllo wo",
      negative: "world",
      sliceType: "a/b",
      bytes: [104, 195],
      buffer: 12,
      stream: "héllo world",
      tag: "[object Blob]",
      file: ["a.txt", 42, 1, true, "[object File]"],
      badType: "",
    });
  });
});

describe("FormData", () => {
  it("appends, gets, sets, deletes and iterates in order", async () => {
    const result = await evaluate(
      pool,
      `const f = new FormData();
      f.append("a", "1"); f.append("b", "2"); f.append("a", "3"); f.append("blob", new Blob(["x"]));
      f.append("named", new Blob(["y"], { type: "text/plain" }), "y.txt");
      const before = { a: f.get("a"), all: f.getAll("a"), has: f.has("b"), missing: f.get("zzz"),
        blob: [f.get("blob") instanceof File, f.get("blob").name], named: [f.get("named").name, f.get("named").type] };
      f.set("a", "4"); f.delete("b");
      const seen = []; f.forEach((value, key) => seen.push(key));
      return { before, after: [...f].map(([k, v]) => [k, typeof v === "string" ? v : "file"]), keys: [...f.keys()], seen,
        tag: Object.prototype.toString.call(f) };`,
    );
    assert.deepEqual(result, {
      before: {
        a: "1",
        all: ["1", "3"],
        has: true,
        missing: null,
        blob: [true, "blob"],
        named: ["y.txt", "text/plain"],
      },
      after: [
        ["a", "4"],
        ["blob", "file"],
        ["named", "file"],
      ],
      keys: ["a", "blob", "named"],
      seen: ["a", "blob", "named"],
      tag: "[object FormData]",
    });
  });

  it("serializes to multipart with a boundary and parses it back", async () => {
    const result = await evaluate(
      pool,
      `const f = new FormData();
      f.append("name", "line1\\nline2"); f.append('quote"d', "v");
      f.append("file", new File([new Uint8Array([0, 255, 13, 10])], "bin.dat", { type: "application/octet-stream" }));
      const req = new Request("https://x.test/", { method: "POST", body: f });
      const type = req.headers.get("content-type");
      const back = await new Response(await req.arrayBuffer(), { headers: { "content-type": type } }).formData();
      const file = back.get("file");
      return { type: /^multipart\\/form-data; boundary=-+BunbaseFormBoundary[0-9a-z]+$/.test(type),
        name: back.get("name"), quoted: back.get('quote"d'), file: [file.name, file.type, Array.from(await file.bytes())] };`,
    );
    assert.deepEqual(result, {
      type: true,
      name: "line1\r\nline2",
      quoted: "v",
      file: ["bin.dat", "application/octet-stream", [0, 255, 13, 10]],
    });
  });

  it("reads multipart and urlencoded request bodies with request.formData()", async () => {
    const fn = source(`export async function handler(req) {
      const form = await req.formData();
      const out = [];
      for (const [key, value] of form) out.push([key, typeof value === "string" ? value : [value.name, value.type, await value.text()]]);
      return Response.json(out);
    }`);
    const boundary = "XyZ";
    const multipart =
      `--${boundary}\r\nContent-Disposition: form-data; name="title"\r\n\r\nhello world\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="upload"; filename="notes.txt"\r\nContent-Type: text/plain\r\n\r\nline one\r\nline two\r\n` +
      `--${boundary}--\r\n`;
    const posted = (contentType: string, body: string) =>
      pool.invokeHttp(
        fn,
        limits,
        request({ method: "POST", headers: [["content-type", contentType]], body: new TextEncoder().encode(body) }),
      );
    const first = await posted(`multipart/form-data; boundary="${boundary}"`, multipart);
    assert.deepEqual(JSON.parse(text(first.result.body)), [
      ["title", "hello world"],
      ["upload", ["notes.txt", "text/plain", "line one\r\nline two"]],
    ]);
    const second = await posted("application/x-www-form-urlencoded", "a=1&b=x+y&a=%C3%A9");
    assert.deepEqual(JSON.parse(text(second.result.body)), [
      ["a", "1"],
      ["b", "x y"],
      ["a", "é"],
    ]);
  });

  it("refuses bodies that are not forms, and Blob bodies carry their type", async () => {
    const result = await evaluate(
      pool,
      `const out = [];
      try { await new Response("{}", { headers: { "content-type": "application/json" } }).formData(); } catch (e) { out.push(e instanceof TypeError); }
      try { await new Response("junk", { headers: { "content-type": "multipart/form-data; boundary=q" } }).formData(); } catch (e) { out.push(e instanceof TypeError); }
      const res = new Response(new Blob(["<p>"], { type: "text/html" }));
      out.push(res.headers.get("content-type"), await res.text(), (await new Response("ab").blob()).size);
      return out;`,
    );
    assert.deepEqual(result, [true, true, "text/html", "<p>", 2]);
  });
});
