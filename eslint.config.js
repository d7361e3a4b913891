import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/", "**/node_modules/", ".bunbase/", "bench/results/", "test/fixtures/**/dist/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: "readonly", console: "readonly", URL: "readonly" } },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-empty": ["error", { allowEmptyCatch: false }],
    },
  },
  {
    // The request path (edge-node, and the guest runtime inside isolates): in Node 20's V8
    // an object literal with anything after a spread makes a new hidden class on every call
    // (and runs V8's slow path), which cost a hello world ~10 us. Write the fields out.
    files: ["edge-node/src/isolate/**/*.ts", "edge-node/src/server/{edge-server,invoke-service,http-io}.ts"],
    ignores: ["**/*.test.ts", "**/test-support.ts"],
    rules: {
      "no-restricted-syntax": [
        "error",
        {
          selector: "ObjectExpression > SpreadElement ~ :matches(Property, SpreadElement)",
          message:
            "No properties or spreads after a spread on the request path: Node 20's V8 makes a new hidden class per call. List the fields, or Object.assign().",
        },
      ],
    },
  },
  {
    // Guest code runs inside the isolate: no Node built-ins there.
    files: ["**/*.guest.ts"],
    rules: { "no-restricted-imports": ["error", { patterns: ["node:*"] }] },
  },
);
