import { after, before, beforeEach, test } from "node:test";
import assert from "node:assert/strict";
import { code, openTestData, type TestData } from "./test-store.ts";

let t: TestData;
before(() => (t = openTestData()));
beforeEach(() => t.sink.take());
after(() => t.close());

test("create, get, replace, merge update and delete each publish their event with previous", () => {
  const doc = t.data.db.create("profiles", { name: "Ada", address: { city: "London", zip: "N1" } });
  assert.match(doc.id, /^doc_/);
  assert.deepEqual(t.data.db.get("profiles", doc.id), doc);

  const updated = t.data.db.update("profiles", doc.id, { address: { zip: null, country: "UK" }, age: 36 });
  assert.deepEqual(updated, { id: doc.id, name: "Ada", address: { city: "London", country: "UK" }, age: 36 });

  const replaced = t.data.db.replace("profiles", doc.id, { name: "Grace" });
  assert.deepEqual(replaced, { document: { id: doc.id, name: "Grace" }, created: false });
  t.data.db.delete("profiles", doc.id);

  const events = t.sink.take();
  assert.deepEqual(
    events.map((e) => [e.type, e.source, e.metadata?.documentId]),
    [
      ["database.create", "/db/profiles", doc.id],
      ["database.update", "/db/profiles", doc.id],
      ["database.update", "/db/profiles", doc.id],
      ["database.delete", "/db/profiles", doc.id],
    ],
  );
  assert.deepEqual(events[0].data, doc);
  assert.equal(events[0].metadata?.previous, undefined);
  assert.deepEqual(events[1].metadata?.previous, doc);
  assert.deepEqual(events[2].metadata?.previous, updated);
  assert.equal(events[3].data, null);
  assert.deepEqual(events[3].metadata?.previous, { id: doc.id, name: "Grace" });
  assert.equal(events[3].metadata?.collection, "profiles");
});

test("PUT creates a missing document; a given id is kept; a taken id is 409", () => {
  assert.equal(t.data.db.replace("c", "x1", { v: 1 }).created, true);
  assert.equal(t.sink.take()[0].type, "database.create");
  assert.deepEqual(t.data.db.create("c", { id: "given", v: 2 }), { id: "given", v: 2 });
  assert.throws(() => t.data.db.create("c", { id: "given" }), code("FN_006", 409));
  assert.throws(() => t.data.db.replace("c", "x1", { id: "other" }), code("FN_006"));
});

test("missing documents are FN_001; bad names and bodies FN_006 naming the field", () => {
  assert.throws(() => t.data.db.get("c", "nope"), code("FN_001", 404));
  assert.throws(() => t.data.db.update("c", "nope", {}), code("FN_001"));
  assert.throws(() => t.data.db.delete("c", "nope"), code("FN_001"));
  for (const bad of ["", "a/b", "x".repeat(129), "sp ace", "é"])
    assert.throws(
      () => t.data.db.create(bad, {}),
      (e: unknown) => code("FN_006")(e) && (e as { details: { path: string } }).details.path === "collection",
    );
  assert.throws(() => t.data.db.create("c", [1, 2]), code("FN_006"));
  assert.throws(() => t.data.db.create("c", { id: "../x" }), code("FN_006"));
  assert.throws(() => t.data.db.create("c", { big: "x".repeat(1024 * 1024) }), code("FN_006"));
});

test("a write whose event cannot be published is rolled back", () => {
  t.data.db.create("rollback", { id: "keep", v: 1 });
  t.sink.failWith = new Error("sink down");
  try {
    assert.throws(() => t.data.db.create("rollback", { id: "lost" }), /sink down/);
    assert.throws(() => t.data.db.update("rollback", "keep", { v: 2 }), /sink down/);
    assert.throws(() => t.data.db.delete("rollback", "keep"), /sink down/);
  } finally {
    t.sink.failWith = undefined;
  }
  assert.throws(() => t.data.db.get("rollback", "lost"), code("FN_001"));
  assert.deepEqual(t.data.db.get("rollback", "keep"), { id: "keep", v: 1 });
});

test("deleteWhere deletes the matches, at most limit per call, one event each", () => {
  for (let i = 0; i < 5; i++) t.data.db.create("bulk", { id: `d${i}`, even: i % 2 === 0 });
  t.sink.take();
  const where = [{ field: "even", op: "==" as const, value: true }];
  assert.deepEqual(t.data.db.deleteWhere("bulk", { where, limit: 2 }), { deleted: 2, more: true });
  assert.deepEqual(t.data.db.deleteWhere("bulk", { where }), { deleted: 1, more: false });
  assert.deepEqual(
    t.sink.take().map((e) => e.metadata?.documentId),
    ["d0", "d2", "d4"],
  );
  assert.deepEqual(
    t.data.db.query("bulk").documents.map((d) => d.id),
    ["d1", "d3"],
  );
});
