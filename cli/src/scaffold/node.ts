/** The JS/TS scaffold (nodejs*, bun, deno): the seed handler shape, a test event and a node:test test. */
import type { Scaffold } from "./index.ts";
import { sampleEvents } from "./sample-events.ts";

export function nodeScaffold(name: string, runtime: string): Scaffold {
  return {
    "function.config.ts": `import { defineConfig } from "@bunbase/functions";

export default defineConfig({
  runtime: "${runtime}",
  handler: "index.handler",
  memory: 128, // MB
  timeout: 30, // seconds
  environment: {
    GREETING: "Hello",
  },
  triggers: [{ type: "http", path: "/${name}", methods: ["GET", "POST"] }],
});
`,
    "index.ts": `export interface Context {
  env: Record<string, string | undefined>;
}

/** What background triggers deliver (contract 2.6); samples in events/. */
export interface BunbaseEvent {
  id: string;
  type: string;
  source: string;
  time: string;
  data: unknown;
  metadata: { attempt: number } & Record<string, unknown>;
}

/** GET /${name}?name=you or POST /${name} {"name":"you"}; and any event of the triggers you add. */
export function handler(req: Request, ctx?: Context): Promise<Response>;
export function handler(event: BunbaseEvent, ctx?: Context): Promise<{ received: string }>;
export async function handler(input: Request | BunbaseEvent, ctx?: Context): Promise<Response | { received: string }> {
  if (!(input instanceof Request)) {
    console.log(\`event \${input.type} \${input.id} (attempt \${input.metadata.attempt})\`);
    return { received: input.type };
  }
  const req = input;
  const url = new URL(req.url);
  let name = url.searchParams.get("name") ?? "world";
  if (req.method === "POST" && req.headers.get("content-type")?.includes("application/json")) {
    const body = (await req.json()) as { name?: string };
    if (typeof body.name === "string") name = body.name;
  }
  const greeting = ctx?.env.GREETING ?? "Hello";
  console.log(\`greeting \${name}\`);
  return Response.json({ message: \`\${greeting}, \${name}!\`, method: req.method });
}
`,
    "index.test.ts": `import { test } from "node:test";
import assert from "node:assert/strict";
import { handler } from "./index.ts";

const env = { GREETING: "Hello" };

test("GET greets the name in the query", async () => {
  const res = await handler(new Request("http://localhost/${name}?name=Ada"), { env });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { message: "Hello, Ada!", method: "GET" });
});

test("POST greets the name in the JSON body", async () => {
  const req = new Request("http://localhost/${name}", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: "world" }),
  });
  const res = await handler(req, { env: { GREETING: "Hi" } });
  assert.deepEqual(await res.json(), { message: "Hi, world!", method: "POST" });
});
`,
    "test-event.json": testEvent(name),
    ...sampleEvents(name),
    "package.json":
      JSON.stringify(
        {
          name,
          private: true,
          type: "module",
          scripts: { test: "node --import tsx --test index.test.ts" },
          devDependencies: { tsx: "^4.19.0" },
        },
        null,
        2,
      ) + "\n",
    "tsconfig.json": `{
  "compilerOptions": {
    "target": "ES2022",
    "lib": ["ES2023", "DOM", "DOM.Iterable"],
    "module": "ESNext",
    "moduleResolution": "Bundler",
    "allowImportingTsExtensions": true,
    "noEmit": true,
    "strict": true,
    "skipLibCheck": true
  }
}
`,
    "README.md": `# ${name}

A Bunbase function (${runtime}): \`index.ts\` answers \`GET|POST /${name}\`.

\`\`\`sh
bunbase functions test --event test-event.json   # run it once locally, no server
bunbase functions dev                            # local origin + edge, reload on save
bunbase functions deploy ${name}                 # bundle here, upload, print the URL
curl http://127.0.0.1:8787/${name}?name=you
npm install && npm test                          # the unit test (node:test + tsx)
\`\`\`

\`function.config.ts\` holds the runtime, memory (MB), timeout (s), environment and
triggers. Values like \`"\${secrets.API_TOKEN}"\` are resolved from secrets at deploy.
`,
  };
}

export function testEvent(name: string): string {
  return (
    JSON.stringify(
      { method: "POST", path: `/${name}`, headers: { "content-type": "application/json" }, body: { name: "world" } },
      null,
      2,
    ) + "\n"
  );
}

/** `function.config.json` of the origin-runtime scaffolds: one HTTP route named after the function. */
export function jsonConfig(name: string, runtime: string, handler: string): string {
  const config = {
    runtime,
    handler,
    memory: 128,
    timeout: 30,
    environment: { GREETING: "Hello" },
    triggers: [{ type: "http", path: `/${name}`, methods: ["GET", "POST"] }],
  };
  return JSON.stringify(config, null, 2) + "\n";
}
