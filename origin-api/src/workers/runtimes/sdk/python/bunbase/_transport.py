"""How the bunbase package reaches the platform services from an origin container.

The runtime's shim binds each invocation's token (the `x-bunbase-sdk-token` header of the
request it serves) to the context the handler runs in; every call sends it back to the
relay at $BUNBASE_SDK_URL, which acts for that invocation (docs/sdk.md, "From origin
runtimes"). Stdlib only.
"""

import contextvars
import http.client
import json
import os
import urllib.parse

TOKEN_HEADER = "x-bunbase-sdk-token"
_token = contextvars.ContextVar("bunbase_sdk_token", default=None)


class BunbaseError(Exception):
    """What every call raises: match on `code` (FN_001 not found, FN_006 bad input naming details["path"]...)."""

    def __init__(self, code, message, details=None):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.details = details

    def __repr__(self):
        return f"BunbaseError({self.code!r}, {self.message!r})"


def bind_token(token):
    """Called by the shim for each invocation (in the invocation's context): the token its calls carry."""
    _token.set(token)


def _json_default(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()  # datetime, date: as the JS SDK stores a Date
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def to_json(value):
    return json.dumps(value, default=_json_default, ensure_ascii=False).encode("utf-8")


def _error_of(status, data):
    try:
        error = json.loads(data).get("error")
        return BunbaseError(str(error["code"]), str(error.get("message", "")), error.get("details"))
    except (ValueError, TypeError, KeyError, AttributeError):
        return BunbaseError("FN_004", f"the platform services answered {status}")


def request(what, method, path, body=None, content_type=None):
    """(response, body bytes) of a 2xx answer; a BunbaseError for anything else."""
    token = _token.get()
    url = os.environ.get("BUNBASE_SDK_URL")
    if not url:
        raise BunbaseError("FN_004", f"bunbase {what}(): the platform services are reachable only from a deployed function")
    if token is None:
        raise BunbaseError(
            "FN_004", f"bunbase {what}(): must be called during an invocation (inside your handler, not at import time)"
        )
    target = urllib.parse.urlsplit(url)
    headers = {TOKEN_HEADER: token}
    if content_type:
        headers["content-type"] = content_type
    connection = http.client.HTTPConnection(target.hostname, target.port or 80)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
    except OSError as err:
        raise BunbaseError("FN_004", f"bunbase {what}(): the platform services could not be reached ({err})") from err
    finally:
        connection.close()
    if not 200 <= response.status < 300:
        raise _error_of(response.status, data)
    return response, data


def call(service, method, args):
    """POST /call {service, method, args} -> its result. Arguments set to None are left out."""
    body = to_json({"service": service, "method": method, "args": {k: v for k, v in args.items() if v is not None}})
    _, data = request(f"{service}.{method}", "POST", "/call", body, "application/json")
    return json.loads(data).get("result")


def unless_missing(work, missing):
    """The call's result, or `missing` when the thing is not there (FN_001)."""
    try:
        return work()
    except BunbaseError as err:
        if err.code == "FN_001":
            return missing
        raise
