/** The Python scaffold (python3.x): `main.handler(request)`, runs on origin workers only. */
import type { Scaffold } from "./index.ts";
import { originReadme } from "./index.ts";
import { jsonConfig, testEvent } from "./node.ts";

export function pythonScaffold(name: string, runtime: string): Scaffold {
  return {
    "function.config.json": jsonConfig(name, runtime, "main.handler"),
    "main.py": `import os


def handler(request):
    """GET /${name}?name=you or POST /${name} {"name": "you"}"""
    name = request.query.get("name", "world")
    if request.method == "POST" and "application/json" in request.headers.get("content-type", ""):
        name = (request.json() or {}).get("name", name)
    greeting = os.environ.get("GREETING", "Hello")
    print(f"greeting {name}")
    return {"message": f"{greeting}, {name}!", "method": request.method}
`,
    "test_main.py": `import json
import unittest

from main import handler


class FakeRequest:
    def __init__(self, method, query=None, body=None):
        self.method = method
        self.path = "/${name}"
        self.query = query or {}
        self.headers = {"content-type": "application/json"} if body is not None else {}
        self.body = json.dumps(body).encode() if body is not None else b""

    def json(self):
        return json.loads(self.body) if self.body else None


class HandlerTest(unittest.TestCase):
    def test_get(self):
        self.assertEqual(handler(FakeRequest("GET", {"name": "Ada"}))["message"], "Hello, Ada!")

    def test_post(self):
        self.assertEqual(handler(FakeRequest("POST", body={"name": "world"}))["message"], "Hello, world!")


if __name__ == "__main__":
    unittest.main()
`,
    "test-event.json": testEvent(name),
    "README.md": originReadme(name, runtime, "main.py", "python3 -m unittest"),
  };
}
