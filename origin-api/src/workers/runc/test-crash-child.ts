/** Run by crashed-host.test.ts: starts a container, says so, and waits to be SIGKILLed. */
import { pino } from "pino";
import { ContainerHost } from "./container-host.ts";

const [stateDir, www, initCacheDir] = process.argv.slice(2);
const host = new ContainerHost({ stateDir, log: pino({ level: "silent" }), initCacheDir });
await host.init();
await host.start({
  id: "crashed",
  launch: {
    rootfs: { kind: "host" },
    mounts: [{ source: www, destination: "/www" }],
    argv: ["/bin/busybox", "sh", "/www/main.sh"],
    env: {},
    cwd: "/",
  },
  limits: { memoryMb: 64, cpus: 1, pids: 64, tmpMb: 8 },
  egress: null,
  startTimeoutMs: 5_000,
  onOutput: () => undefined,
});
process.stdout.write("started\n");
setInterval(() => undefined, 1_000);
