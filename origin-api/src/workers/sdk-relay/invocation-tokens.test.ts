import assert from "node:assert/strict";
import { test } from "node:test";
import { verifySdkToken } from "../../../../core/index.ts";
import { InvocationTokens } from "./invocation-tokens.ts";

const KEY = Buffer.alloc(32, 7).toString("base64url");
const claims = (invocationId: string, deadline = Date.now() + 60_000) => ({
  functionId: "fn_a",
  invocationId,
  deadline,
});

test("a token is the origin's signed token for the invocation, until its deadline", () => {
  const tokens = new InvocationTokens(3);
  const deadline = Date.now() + 60_000;
  const token = tokens.begin(KEY, claims("inv_1", deadline));
  assert.deepEqual(verifySdkToken(KEY, token), { functionId: "fn_a", invocationId: "inv_1", expiresAt: deadline });
  assert.ok(tokens.lookup(token));
  assert.equal(tokens.lookup(token, deadline + 1), undefined, "past its deadline");
  tokens.clear();
});

test("a token opens nothing once its invocation ended, and its calls in flight are aborted", () => {
  const tokens = new InvocationTokens(3);
  const token = tokens.begin(KEY, claims("inv_1"));
  const budget = tokens.lookup(token)!;
  tokens.end(token);
  assert.equal(tokens.lookup(token), undefined);
  assert.equal(budget.signal.reason, "ended");
  assert.equal(tokens.lookup(undefined), undefined);
  assert.equal(tokens.lookup("v1.made.up"), undefined);
});

test("each invocation has its own subrequest budget", () => {
  const tokens = new InvocationTokens(2);
  const a = tokens.lookup(tokens.begin(KEY, claims("inv_a")))!;
  const b = tokens.lookup(tokens.begin(KEY, claims("inv_b")))!;
  assert.deepEqual([tokens.take(a), tokens.take(a), tokens.take(a)], [true, true, false]);
  assert.equal(tokens.take(b), true);
  tokens.clear();
  assert.equal(tokens.size, 0);
});

test("the deadline aborts the invocation's calls", async () => {
  const tokens = new InvocationTokens();
  const budget = tokens.lookup(tokens.begin(KEY, claims("inv_1", Date.now() + 20)))!;
  await new Promise((resolve) => setTimeout(resolve, 40));
  assert.equal(budget.signal.reason, "deadline");
  tokens.clear();
});
