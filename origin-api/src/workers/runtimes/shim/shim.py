"""Bunbase origin-worker shim for Python (stdlib only).

Serves HTTP on 127.0.0.1:$PORT and calls the function's handler (origin-api/src/workers/
types.ts describes the protocol):
  - HTTP: handler(request) -> dict | list | str | bytes | None | (body, status[, headers])
  - POST /__bunbase/event: handler(event, context) -> JSON value, answered {"result": ...}
  - an uncaught exception: 500, x-bunbase-runtime-error: 1, {"error": {"message", "stack"}}
  - print() and logging become JSON lines {"level", "message", "invocationId"} on stdout.
  - x-bunbase-sdk-token (never shown to the handler) is bound to the invocation's context,
    where the `bunbase` package (PYTHONPATH) finds it for the SDK calls the handler makes.
Environment: PORT, BUNBASE_HANDLER ("main.handler"), BUNBASE_CODE_DIR (default: cwd).
"""

import asyncio
import contextvars
import http.server
import importlib
import inspect
import json
import logging
import os
import sys
import threading
import traceback
import urllib.parse

EVENT_PATH = "/__bunbase/event"
INVOCATION_HEADER = "x-bunbase-invocation-id"
HANDLER_HEADER = "x-bunbase-handler"
RUNTIME_ERROR_HEADER = "x-bunbase-runtime-error"
SDK_TOKEN_HEADER = "x-bunbase-sdk-token"

invocation_id = contextvars.ContextVar("bunbase_invocation_id", default=None)
_out = sys.__stdout__
_out_lock = threading.Lock()


def emit(level, message):
    record = {"level": level, "message": message}
    current = invocation_id.get()
    if current is not None:
        record["invocationId"] = current
    line = json.dumps(record, ensure_ascii=False, default=str)
    with _out_lock:
        _out.write(line + "\n")
        _out.flush()


class LineWriter:
    """sys.stdout/sys.stderr: whole lines become JSON records of the writing thread's invocation."""

    def __init__(self, level, original):
        self.level = level
        self.encoding = "utf-8"
        self.errors = "replace"
        self._original = original
        self._local = threading.local()

    def write(self, text):
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        *lines, rest = (getattr(self._local, "pending", "") + text).split("\n")
        self._local.pending = rest
        for line in lines:
            emit(self.level, line)
        return len(text)

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def flush(self):
        pending = getattr(self._local, "pending", "")
        if pending:
            self._local.pending = ""
            emit(self.level, pending)

    def isatty(self):
        return False

    def writable(self):
        return True

    def fileno(self):
        return self._original.fileno()


LEVELS = {logging.DEBUG: "debug", logging.INFO: "info", logging.WARNING: "warn"}


class JsonLogHandler(logging.Handler):
    def emit(self, record):
        try:
            level = LEVELS.get(record.levelno, "error" if record.levelno > logging.WARNING else "debug")
            emit(level, self.format(record))
        except Exception:  # noqa: BLE001 -- logging must never break the request
            self.handleError(record)


def install_log_capture():
    sys.stdout = LineWriter("info", sys.__stdout__)
    sys.stderr = LineWriter("error", sys.__stderr__)
    root = logging.getLogger()
    root.handlers[:] = [JsonLogHandler()]
    root.setLevel(logging.INFO)


class Request:
    """What an HTTP handler gets: method, path, headers (lower-case keys), query, body."""

    def __init__(self, method, target, headers, body):
        parsed = urllib.parse.urlsplit(target)
        self.method = method
        self.url = target
        self.path = parsed.path
        self.query = {k: v[0] for k, v in urllib.parse.parse_qs(parsed.query, keep_blank_values=True).items()}
        self.headers = headers
        self.body = body

    def text(self):
        return self.body.decode("utf-8")

    def json(self):
        return json.loads(self.body) if self.body else None

    def __repr__(self):
        return f"<Request {self.method} {self.url}>"


class Context:
    """What an event handler gets beside the event."""

    def __init__(self, invocation, handler):
        self.invocation_id = invocation
        self.function_handler = handler
        self.env = dict(os.environ)


def sdk_binder():
    """bunbase's bind_token, imported before the function's code so `import bunbase` finds this one."""
    try:
        from bunbase._transport import bind_token
    except ImportError:
        return lambda token: None  # a host process without the package: SDK calls say it is unavailable
    return bind_token


bind_sdk_token = sdk_binder()


def load_handlers():
    code_dir = os.environ.get("BUNBASE_CODE_DIR") or os.getcwd()
    shim_dir = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [code_dir] + [p for p in sys.path if p and os.path.abspath(p) != shim_dir]
    ref = os.environ.get("BUNBASE_HANDLER") or "main.handler"
    module_name, _, default = ref.rpartition(".")
    modules = {}

    def resolve(name):
        module, _, fn = name.rpartition(".")
        module = module or module_name
        if module not in modules:
            modules[module] = importlib.import_module(module.replace("/", "."))
        target = getattr(modules[module], fn, None)
        if not callable(target):
            raise LookupError(f"{module}.py has no function {fn}")
        return target

    resolve(default)  # import the module now: its import time is part of the cold start
    return default, resolve


def call(fn, *args):
    result = fn(*args)
    return asyncio.run(result) if inspect.iscoroutine(result) else result


def to_http_response(value):
    """(status, headers, body bytes) of what a handler returned."""
    status, headers, body = 200, {}, value
    if isinstance(value, tuple):
        if not 1 <= len(value) <= 3:
            raise TypeError("a tuple response must be (body, status) or (body, status, headers)")
        body = value[0]
        status = int(value[1]) if len(value) > 1 else 200
        headers = dict(value[2]) if len(value) > 2 and value[2] else {}
    names = {k.lower() for k in headers}
    if body is None:
        payload = b""
    elif isinstance(body, (dict, list)):
        payload, content_type = json.dumps(body).encode("utf-8"), "application/json"
    elif isinstance(body, str):
        payload, content_type = body.encode("utf-8"), "text/plain; charset=utf-8"
    elif isinstance(body, (bytes, bytearray, memoryview)):
        payload, content_type = bytes(body), "application/octet-stream"
    else:
        raise TypeError(
            f"handler returned {type(body).__name__}: return a dict, list, str, bytes or (body, status, headers)"
        )
    if payload and "content-type" not in names:
        headers["content-type"] = content_type
    return status, headers, payload


class ShimHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Keep-alive with headers and body in separate writes: without TCP_NODELAY, Nagle and
    # the peer's delayed ACK hold every response ~40 ms.
    disable_nagle_algorithm = True
    server_version = "bunbase-python"
    default_handler = None
    resolve = None

    def log_message(self, format, *args):  # noqa: A002 -- the base class's name
        pass  # access logs are the platform's job

    def read_body(self):
        if "chunked" in self.headers.get("transfer-encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("content-length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def send(self, status, headers, payload, head_only=False):
        self.send_response(status)
        for name, value in headers.items():
            if isinstance(value, (list, tuple)):
                for item in value:
                    self.send_header(name, str(item))
            else:
                self.send_header(name, str(value))
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        if payload and not head_only:
            self.wfile.write(payload)

    def send_json(self, status, value, extra=None):
        self.send(status, {"content-type": "application/json", **(extra or {})}, json.dumps(value).encode("utf-8"))

    def handle_invocation(self):
        body = self.read_body()
        invocation = self.headers.get(INVOCATION_HEADER)
        token = self.headers.get(SDK_TOKEN_HEADER)
        del self.headers[SDK_TOKEN_HEADER]
        context = contextvars.copy_context()
        context.run(self.invoke, invocation, token, body)

    def invoke(self, invocation, token, body):
        invocation_id.set(invocation)
        bind_sdk_token(token)
        try:
            if self.command == "POST" and self.path.split("?", 1)[0] == EVENT_PATH:
                name = self.headers.get(HANDLER_HEADER) or self.default_handler
                event = json.loads(body) if body else None
                result = call(self.resolve(name), event, Context(invocation, name))
                self.send_json(200, {"result": result})
            else:
                request = Request(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                result = call(self.resolve(self.default_handler), request)
                self.send(*to_http_response(result), head_only=self.command == "HEAD")
        except Exception as err:  # noqa: BLE001 -- the user's error becomes the protocol's 500
            stack = traceback.format_exc()
            emit("error", stack.rstrip())
            error = {"message": f"{type(err).__name__}: {err}", "stack": stack}
            self.send_json(500, {"error": error}, {RUNTIME_ERROR_HEADER: "1"})
        finally:
            sys.stdout.flush()
            sys.stderr.flush()

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = handle_invocation


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    install_log_capture()
    try:
        default, resolve = load_handlers()
    except Exception:  # noqa: BLE001 -- report why the function cannot start, then exit
        emit("error", "the handler could not be loaded:\n" + traceback.format_exc().rstrip())
        sys.exit(1)
    ShimHandler.default_handler = default
    ShimHandler.resolve = staticmethod(resolve)
    server = Server(("127.0.0.1", int(os.environ.get("PORT", "8080"))), ShimHandler)
    server.serve_forever()


if __name__ == "__main__":
    main()
