"""`storage`: files in buckets, as in the JS SDK.

    file = storage.bucket("uploads").file("notes/a.txt")
    file.upload("hello", content_type="text/plain")
    text = file.download().text()
"""

import json
import urllib.parse

from ._transport import call, request, unless_missing


class Download:
    """A downloaded object: `data` (bytes), `content_type`, `etag`; text() and json()."""

    def __init__(self, data, content_type, etag):
        self.data = data
        self.content_type = content_type
        self.etag = etag

    def text(self, encoding="utf-8"):
        return self.data.decode(encoding)

    def json(self):
        return json.loads(self.data)

    def __bytes__(self):
        return self.data

    def __repr__(self):
        return f"<Download {len(self.data)} bytes {self.content_type}>"


class FileReference:
    def __init__(self, bucket, path):
        self.bucket = bucket
        self.path = path

    def _query(self):
        return "/storage?" + urllib.parse.urlencode({"bucket": self.bucket, "path": self.path})

    def _args(self):
        return {"bucket": self.bucket, "path": self.path}

    def upload(self, data, content_type=None):
        """Stores str (text/plain), bytes or a binary file object (at most 10 MB); returns the object's metadata."""
        if isinstance(data, str):
            data, default_type = data.encode("utf-8"), "text/plain; charset=utf-8"
        elif isinstance(data, (bytes, bytearray, memoryview)):
            data, default_type = bytes(data), None
        elif hasattr(data, "read"):
            data, default_type = data.read(), None
        else:
            raise TypeError("upload(): data must be str, bytes or a binary file object")
        _, body = request("storage.upload", "PUT", self._query(), data, content_type or default_type)
        return json.loads(body).get("result")

    def download(self):
        """The content as a Download; FN_001 when there is no such object."""
        response, data = request("storage.download", "GET", self._query())
        etag = (response.getheader("etag") or "").strip('"')
        return Download(data, response.getheader("content-type") or "application/octet-stream", etag)

    def exists(self):
        return call("storage", "exists", self._args())

    def stat(self):
        """The metadata, or None when there is no such object."""
        return unless_missing(lambda: call("storage", "stat", self._args()), None)

    def delete(self):
        """True if it was deleted, False if there was none."""
        return unless_missing(lambda: _done(call("storage", "delete", self._args())), False)


class BucketReference:
    def __init__(self, name):
        self.name = name

    def file(self, path):
        return FileReference(self.name, path)

    def list(self, prefix=None, limit=None):
        """Objects in path order under `prefix` (one page: `limit`, 1-1000, default 100)."""
        return self.list_page(prefix, limit)["objects"]

    def list_page(self, prefix=None, limit=None, cursor=None):
        """{"objects": [...], "nextCursor": str | None}."""
        return call("storage", "list", {"bucket": self.name, "prefix": prefix, "limit": limit, "cursor": cursor})

    listPage = list_page  # noqa: N815 -- the JS SDK's name works too


def _done(_result):
    return True


class _Storage:
    def bucket(self, name):
        return BucketReference(name)


storage = _Storage()
