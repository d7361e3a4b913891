import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { isBunbaseError } from "../../../core/index.ts";
import { parseQueryString, type DocumentQuery, type WhereClause } from "./document-query.ts";
import { openTestData, type TestData } from "./test-store.ts";

let t: TestData;
before(() => {
  t = openTestData();
  const docs = [
    { id: "a", n: 1, s: "x", flag: true, tags: ["red", "blue"], nested: { k: 5 } },
    { id: "b", n: 2, s: "y", flag: false, tags: ["red"], nested: { k: 6 } },
    { id: "c", n: "2", s: null, tags: [1, 2] },
    { id: "d", n: 3.5, flag: 1, tags: "red" },
    { id: "e", s: "z" },
  ];
  for (const d of docs) t.data.db.create("things", d);
  t.data.db.create("other", { id: "a", n: 1 });
});
after(() => t.close());

const ids = (q: DocumentQuery) =>
  t.data.db
    .query("things", q)
    .documents.map((d) => d.id)
    .join(",");
const where = (field: string, op: WhereClause["op"], value: unknown): DocumentQuery => ({
  where: [{ field, op, value }],
});

function assertInvalid(fn: () => unknown, path: string) {
  assert.throws(fn, (err: unknown) => isBunbaseError(err) && err.code === "FN_006" && err.details?.path === path);
}

describe("where", () => {
  test("== and != compare with the JSON type: 2 is not '2', true is not 1", () => {
    assert.equal(ids(where("n", "==", 2)), "b");
    assert.equal(ids(where("n", "==", "2")), "c");
    assert.equal(ids(where("flag", "==", true)), "a");
    assert.equal(ids(where("flag", "==", 1)), "d");
    assert.equal(ids(where("nested.k", "==", 6)), "b");
    assert.equal(ids(where("n", "!=", 2)), "a,c,d", "!= skips documents without the field");
  });

  test("== null matches an explicit null only; != null the documents that have a non-null value", () => {
    assert.equal(ids(where("s", "==", null)), "c");
    assert.equal(ids(where("s", "!=", null)), "a,b,e");
  });

  test("range operators stay within the value's type", () => {
    assert.equal(ids(where("n", ">", 1)), "b,d");
    assert.equal(ids(where("n", ">=", 1)), "a,b,d");
    assert.equal(ids(where("n", "<", 3)), "a,b");
    assert.equal(ids(where("s", "<=", "y")), "a,b");
    assert.equal(
      ids({
        where: [
          { field: "n", op: ">", value: 1 },
          { field: "n", op: "<", value: 3 },
        ],
      }),
      "b",
    );
  });

  test("in and array-contains", () => {
    assert.equal(ids(where("n", "in", [1, "2", 9])), "a,c");
    assert.equal(ids(where("n", "in", [1.0, 3.5])), "a,d");
    assert.equal(ids(where("tags", "array-contains", "red")), "a,b", "a string field is not an array");
    assert.equal(ids(where("tags", "array-contains", 2)), "c");
  });

  test("a collection never sees another's documents", () => {
    assert.equal(t.data.db.query("other").documents.length, 1);
  });

  test("bad fields, operators and values are FN_006 naming the clause", () => {
    assertInvalid(() => ids(where("a..b", "==", 1)), "where[0].field");
    assertInvalid(() => ids(where("a'b", "==", 1)), "where[0].field");
    assertInvalid(() => ids(where('a"b', "==", 1)), "where[0].field");
    assertInvalid(() => ids(where("n", "like" as "==", 1)), "where[0].op");
    assertInvalid(() => ids(where("n", ">", null)), "where[0].value");
    assertInvalid(() => ids(where("n", ">", { a: 1 })), "where[0].value");
    assertInvalid(() => ids(where("n", "in", [])), "where[0].value");
    assertInvalid(() => ids(where("n", "in", [null])), "where[0].value");
    assertInvalid(() => ids({ limit: 0 }), "limit");
    assertInvalid(() => ids({ limit: 1001 }), "limit");
    assertInvalid(() => ids({ orderBy: "n,sideways" }), "orderBy");
    assertInvalid(() => ids({ cursor: "garbage" }), "cursor");
  });
});

describe("orderBy, limit and cursor", () => {
  function pages(q: DocumentQuery): string[] {
    const out: string[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 10; i++) {
      const page = t.data.db.query("things", { ...q, cursor });
      out.push(page.documents.map((d) => d.id).join(","));
      if (!page.nextCursor) return out;
      cursor = page.nextCursor;
    }
    throw new Error("too many pages");
  }

  test("by id (default), two at a time, the last page has no cursor", () => {
    assert.deepEqual(pages({ limit: 2 }), ["a,b", "c,d", "e"]);
    assert.deepEqual(pages({ limit: 5 }), ["a,b,c,d,e"]);
  });

  test("by a field with missing values and mixed types, both directions, across page boundaries", () => {
    // SQLite order: NULL (missing) < numbers < text.
    assert.deepEqual(pages({ orderBy: "n", limit: 2 }), ["e,a", "b,d", "c"]);
    assert.deepEqual(pages({ orderBy: "n,desc", limit: 2 }), ["c,d", "b,a", "e"]);
    assert.deepEqual(pages({ orderBy: { field: "s", direction: "desc" }, limit: 1 }), ["e", "b", "a", "d", "c"]);
    assert.deepEqual(pages({ orderBy: "s", limit: 3 }), ["c,d,a", "b,e"]);
  });

  test("a cursor from another orderBy is refused", () => {
    const { nextCursor } = t.data.db.query("things", { orderBy: "n", limit: 1 });
    assertInvalid(() => t.data.db.query("things", { orderBy: "s", cursor: nextCursor! }), "cursor");
  });
});

test("query strings: values JSON-parsed when they parse, commas kept in the value", () => {
  const params = new URLSearchParams([
    ["where", "n,==,2"],
    ["where", "s,==,hello, world"],
    ["where", 'tags,in,["a","b"]'],
    ["orderBy", "n,desc"],
    ["limit", "5"],
  ]);
  const q = parseQueryString((n) => (params.has(n) ? params.getAll(n) : undefined));
  assert.deepEqual(q.where, [
    { field: "n", op: "==", value: 2 },
    { field: "s", op: "==", value: "hello, world" },
    { field: "tags", op: "in", value: ["a", "b"] },
  ]);
  assert.equal(q.orderBy, "n,desc");
  assert.equal(q.limit, 5);
  assertInvalid(() => parseQueryString(() => ["n=="]), "where[0]");
});
