"""`db`: documents in collections, as in the JS SDK.

    ada = db.collection("profiles").create({"name": "Ada"})        # the stored document
    db.collection("profiles").doc(ada["id"]).update({"city": "London"})
    adults = db.collection("profiles").where("age", ">=", 18).order_by("age", "desc").limit(20).get()
"""

from ._transport import call, unless_missing


class Query:
    """An immutable query: each method returns a new one."""

    def __init__(self, collection, where=(), order_by=None, limit=None, cursor=None):
        self._collection = collection
        self._where = tuple(where)
        self._order_by = order_by
        self._limit = limit
        self._cursor = cursor

    def _with(self, **changes):
        state = {
            "where": self._where,
            "order_by": self._order_by,
            "limit": self._limit,
            "cursor": self._cursor,
            **changes,
        }
        return Query(self._collection, **state)

    def where(self, field, op, value):
        return self._with(where=self._where + ({"field": field, "op": op, "value": value},))

    def order_by(self, field, direction="asc"):
        return self._with(order_by={"field": field, "direction": direction})

    def limit(self, n):
        """1-1000; default 100."""
        return self._with(limit=n)

    def start_after(self, cursor):
        """Continue after a page: the "nextCursor" of page()."""
        return self._with(cursor=cursor)

    def get(self):
        """The matching documents (one page: `limit` of them at most)."""
        return self.page()["documents"]

    def page(self):
        """{"documents": [...], "nextCursor": str | None}."""
        args = {
            "collection": self._collection,
            "where": list(self._where),
            "orderBy": self._order_by,
            "limit": self._limit,
            "cursor": self._cursor,
        }
        return call("db", "query", args)

    def delete(self, all=False):  # noqa: A002 -- the JS SDK's option name
        """Deletes up to `limit` (default and max 1000) matches: {"deleted", "more"}. Needs a where, or all=True."""
        args = {"collection": self._collection, "where": list(self._where), "limit": self._limit}
        if all:
            args["all"] = True
        return call("db", "deleteWhere", args)

    orderBy = order_by  # noqa: N815 -- the JS SDK's names work too
    startAfter = start_after  # noqa: N815


class CollectionReference(Query):
    def __init__(self, name):
        super().__init__(name)
        self.name = name

    def doc(self, id):  # noqa: A002
        return DocumentReference(self.name, id)

    def create(self, doc):
        """Stores a new document ("id" generated unless given; FN_006 if it exists) and returns it."""
        return call("db", "create", {"collection": self.name, "doc": doc})


class DocumentReference:
    def __init__(self, collection, id):  # noqa: A002
        self.collection = collection
        self.id = id

    def _args(self, **more):
        return {"collection": self.collection, "id": self.id, **more}

    def get(self):
        """The document, or None when there is none."""
        return unless_missing(lambda: call("db", "get", self._args()), None)

    def set(self, doc):
        """Replaces (or creates) the document."""
        return call("db", "set", self._args(doc=doc))

    def update(self, patch):
        """A JSON merge patch (RFC 7396): None removes a field. FN_001 when there is no document."""
        return call("db", "update", self._args(patch=patch))

    def delete(self):
        """True if it was deleted, False if there was none."""
        return unless_missing(lambda: _done(call("db", "delete", self._args())), False)


def _done(_result):
    return True


class _Db:
    def collection(self, name):
        return CollectionReference(name)


db = _Db()
