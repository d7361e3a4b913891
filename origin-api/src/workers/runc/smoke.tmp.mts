import { createFixture, exec, get } from "./test-fixture.ts";
const f = await createFixture();
const t0 = Date.now();
const log = (...a: unknown[]) => console.log(Date.now() - t0, ...a);
try {
  const c1 = await f.host.start(f.options());
  log("started 1", await get(c1, "/index.html"));
  log(await c1.stop());
  const c = await f.host.start(f.options());
  log("started 2");
  log(await exec(c, "ls -ld /tmp; id; ls -la /tmp; grep tmp /proc/self/mountinfo"));
  const p = exec(c, "echo 3 > /tmp/exit; sleep 5").then(
    (r) => log("answered", r),
    (e) => log("failed", e.message),
  );
  log(await c.exited);
  await p;
} finally {
  await f.close();
}
log("closed");
