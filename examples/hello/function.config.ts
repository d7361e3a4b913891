import { defineConfig } from "@bunbase/functions";

export default defineConfig({
  runtime: "nodejs20",
  handler: "index.handler",
  triggers: [{ type: "http", path: "/hello", methods: ["GET"] }],
});
