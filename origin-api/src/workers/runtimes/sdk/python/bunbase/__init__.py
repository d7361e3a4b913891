"""Bunbase's platform services from a Python function: `from bunbase import db, storage, auth, queue`.

The same operations as the JS `@bunbase/sdk` (docs/sdk.md), made during an invocation as
that function. Failures raise BunbaseError with the contract's `code`, `message` and
`details`. Stdlib only.
"""

from ._db import CollectionReference, DocumentReference, Query, db
from ._storage import BucketReference, Download, FileReference, storage
from ._transport import BunbaseError, call, unless_missing

__all__ = [
    "BunbaseError",
    "BucketReference",
    "CollectionReference",
    "DocumentReference",
    "Download",
    "FileReference",
    "Query",
    "auth",
    "db",
    "queue",
    "storage",
]


class _Auth:
    def verify_token(self, authorization_or_token):
        """"Bearer <token>" (an authorization header as it is) or a bare token -> its claims; FN_009 if invalid."""
        token = authorization_or_token if isinstance(authorization_or_token, str) else None
        return call("auth", "verifyToken", {"token": token})

    def get_user(self, id):  # noqa: A002
        """The user (no secrets); FN_001 if there is none."""
        return call("auth", "getUser", {"id": id})

    def create_user(self, user):
        """{"email", "password", ...profile} -> the new user (publishes auth.user.create); 409 FN_006 if the email is taken."""
        return call("auth", "createUser", {"user": user})

    def list_users(self, limit=None, cursor=None, email=None):
        """One page {"users", "nextCursor"} in creation order (limit 1-1000, default 100); email finds one user."""
        return call("auth", "listUsers", {"limit": limit, "cursor": cursor, "email": email})

    def update_user(self, id, patch):  # noqa: A002
        """{"email"?, "password"?, ...profile}, the profile merged (None removes a field) -> the user; FN_001 if none."""
        return call("auth", "updateUser", {"id": id, "patch": patch})

    def delete_user(self, id):  # noqa: A002
        """True if the user was deleted (its tokens stop verifying), False if there was none."""
        return unless_missing(lambda: call("auth", "deleteUser", {"id": id}) or True, False)

    verifyToken = verify_token  # noqa: N815 -- the JS SDK's names work too
    getUser = get_user  # noqa: N815
    createUser = create_user  # noqa: N815
    listUsers = list_users  # noqa: N815
    updateUser = update_user  # noqa: N815
    deleteUser = delete_user  # noqa: N815


auth = _Auth()


class _Queue:
    def __init__(self, name):
        self.name = name

    def send(self, messages):
        """A message {"body", "idempotencyKey"?} or a list of 1-1000 -> {"accepted", "duplicates"}."""
        listed = messages if isinstance(messages, (list, tuple)) else [messages]
        return call("queue", "send", {"queue": self.name, "messages": list(listed)})


def queue(name):
    """queue("emails").send({"body": {...}})."""
    return _Queue(name)
