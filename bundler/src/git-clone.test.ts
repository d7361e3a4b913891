import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { cloneGit } from "../index.ts";
import { rejection, tempDir } from "./test-dirs.ts";

function git(cwd: string, ...args: string[]): void {
  execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], { cwd, stdio: "ignore" });
}

/** A bare repository with `functions/hello/index.ts` on main and a `v2` branch. */
async function bareRepo(): Promise<string> {
  const work = await tempDir({ "functions/hello/index.ts": "export default 1", "README.md": "r" });
  git(work, "init", "-q", "-b", "main");
  git(work, "add", ".");
  git(work, "commit", "-q", "-m", "one");
  git(work, "checkout", "-q", "-b", "v2");
  execFileSync("sh", ["-c", "echo 'export default 2' > functions/hello/index.ts"], { cwd: work });
  git(work, "commit", "-q", "-am", "two");
  const bare = join(await tempDir(), "repo.git");
  git(work, "clone", "-q", "--bare", ".", bare);
  return bare;
}

test("clones a local bare repository, taking a subfolder at a ref", async () => {
  const bare = await bareRepo();
  const main = await tempDir();
  assert.equal(await cloneGit({ url: `file://${bare}`, ref: "main", path: "functions/hello" }, main), main);
  assert.deepEqual(await readdir(main), ["index.ts"]);
  assert.equal(await readFile(join(main, "index.ts"), "utf8"), "export default 1");

  const v2 = await tempDir();
  await cloneGit({ url: `file://${bare}`, ref: "v2", path: "functions/hello" }, v2);
  assert.match(await readFile(join(v2, "index.ts"), "utf8"), /export default 2/);

  const root = await tempDir();
  await cloneGit({ url: `file://${bare}` }, root);
  assert.deepEqual((await readdir(root)).sort(), ["README.md", "functions"]);
});

test("bad URLs, refs and paths are FN_006; git failures are FN_005 with git's stderr", async () => {
  const dir = await tempDir();
  for (const url of ["ext::sh -c touch% /tmp/pwned", "/local/path", "-u x", "http://plain.example.com/r.git"]) {
    assert.equal((await rejection(() => cloneGit({ url }, dir))).details.path, "git.url", url);
  }
  const bare = await bareRepo();
  assert.equal(
    (await rejection(() => cloneGit({ url: `file://${bare}`, ref: "--upload-pack=x" }, dir))).details.path,
    "git.ref",
  );
  assert.equal(
    (await rejection(() => cloneGit({ url: `file://${bare}`, path: "../x" }, dir))).details.path,
    "git.path",
  );
  assert.equal(
    (await rejection(() => cloneGit({ url: `file://${bare}`, path: "nope" }, dir))).details.path,
    "git.path",
  );
  const missing = await rejection(() => cloneGit({ url: `file://${bare}`, ref: "no-such-branch" }, dir));
  assert.equal(missing.code, "FN_005");
  assert.match(missing.message, /no-such-branch/);
  assert.deepEqual(await readdir(dir), []);
});
