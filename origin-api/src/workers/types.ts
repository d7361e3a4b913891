/**
 * The seams of the origin workers (docs/runtimes.md): a runtime or an uploaded image
 * produces a LaunchSpec; the container layer (runc/) starts a Container from it; the pool
 * (pool.ts) keeps containers per version and sends them invocations over HTTP.
 *
 * Inside every container:
 *   /opt/bunbase/init   our static init (pid 1): starts `argv`, relays the host's HTTP
 *                       socket to 127.0.0.1:$PORT, relays egress, reaps, reports exits
 *   /run/bunbase/       a writable folder shared with the host: http.sock (created by
 *                       init once $PORT accepts), egress.sock (the host's egress proxy),
 *                       sdk.sock (the host's @bunbase/sdk relay, init relays
 *                       $BUNBASE_SDK_URL = 127.0.0.1:8081 to it)
 *   /code               the version's code, read-only (runtimes; images have their own root)
 *   /tmp                a size-limited tmpfs, the only writable place
 *
 * The process started from `argv` serves HTTP on 127.0.0.1:$PORT (PORT=8080). Runtime
 * shims speak this protocol on top of plain HTTP:
 *   - an HTTP invocation arrives as the client's request (method, path and query,
 *     headers, body) plus `x-bunbase-invocation-id` and, with the SDK relay on,
 *     `x-bunbase-sdk-token` (the shim hides it from the handler and sends it back with the
 *     SDK calls made during that request, docs/sdk.md); the response goes back as is;
 *   - an event arrives as `POST /__bunbase/event` with the event JSON (contract 2.6) and
 *     `x-bunbase-handler: <export>` when a trigger names its own handler; the answer is
 *     `200 {"result": <value>}`;
 *   - a handler that throws (or returns something unusable) is answered with status 500,
 *     header `x-bunbase-runtime-error: 1` and `{"error": {"message", "stack"?}}`;
 *   - logs are lines on stdout/stderr; a JSON line with `level` and `message` (or `msg`)
 *     keeps its level and may carry `invocationId`; other stdout lines are `info`, other
 *     stderr lines `error`.
 * A custom image's process is plain HTTP on $PORT; its answers pass through untouched.
 */
import type { EgressConfig } from "../../../core/index.ts";

export const CONTAINER_PORT = 8080;
export const RUNTIME_ERROR_HEADER = "x-bunbase-runtime-error";
export const EVENT_PATH = "/__bunbase/event";
export const HANDLER_HEADER = "x-bunbase-handler";
/** Where init relays the container's SDK calls to sdk.sock (BUNBASE_SDK_URL). */
export const SDK_RELAY_PORT = 8081;

export interface BindMount {
  /** Absolute host path (file or folder). */
  source: string;
  /** Absolute path inside the container. */
  destination: string;
  /** Read-only unless set to false. */
  readonly?: boolean;
}

/** What to run: made by a runtime (runtimes/) or an unpacked image (image/). */
export interface LaunchSpec {
  /**
   * `host`: a read-only root made of the host's /usr, /lib, /lib64, /bin, /sbin and a
   * minimal /etc (ssl certificates, passwd/group with nobody); `image`: an unpacked image's
   * root folder, mounted read-only.
   */
  rootfs: { kind: "host" } | { kind: "image"; path: string };
  /** Extra bind mounts, e.g. the code at /code and runtime binaries under /opt/bunbase. */
  mounts: BindMount[];
  /** The command inside the container; it must serve HTTP on 127.0.0.1:$PORT. */
  argv: string[];
  /** Environment of the process (the function's variables are merged in by the pool). */
  env: Record<string, string>;
  cwd: string;
  /** Default 65534:65534 (nobody). An image's numeric USER may set another non-root id. */
  user?: { uid: number; gid: number };
  /** The process speaks the SDK relay protocol (our runtime shims; images do not, for now). */
  sdk?: boolean;
}

/**
 * Serves a container's `sdk.sock` (the pool's SdkRelay): listening before the container
 * starts, closed when it is gone. The container's user must be able to connect.
 */
export interface SocketService {
  listen(socketPath: string, owner: { uid: number; gid: number }): Promise<{ close(): Promise<void> }>;
}

export interface ContainerLimits {
  /** The function's `memory` (MB): the cgroup's hard limit, no swap. */
  memoryMb: number;
  /** CPU share as a number of cores (CFS quota), e.g. 1. */
  cpus: number;
  /** Most processes/threads at once (a fork bomb stops here). */
  pids: number;
  /** Size of the /tmp tmpfs. */
  tmpMb: number;
}

export interface ContainerOptions {
  /** Unique among live containers: [a-z0-9-], at most 48 characters. */
  id: string;
  launch: LaunchSpec;
  limits: ContainerLimits;
  /** The function's `vpc` block; null or closed: no network at all (loopback only). */
  egress: EgressConfig | null;
  /** The @bunbase/sdk relay; only for a launch with `sdk: true`. */
  sdk?: SocketService;
  /** From `runc run` to http.sock accepting; beyond it the start fails with FN_008. */
  startTimeoutMs: number;
  /** One call per line of the process's output (init's own reports excluded). */
  onOutput(stream: "stdout" | "stderr", line: string): void;
}

export interface ContainerExit {
  code: number | null;
  signal: string | null;
  /** The cgroup recorded an out-of-memory kill. */
  oomKilled: boolean;
  /** Why it ended: it exited on its own, we stopped it, or the kernel's OOM killer. */
  reason: "exited" | "stopped" | "oom" | "start-failed";
}

export interface ContainerUsage {
  /** Memory in use by the cgroup now, bytes. */
  memoryBytes: number;
  /** Highest memory use since start or the last resetPeak(), bytes. */
  memoryPeakBytes: number;
  /** CPU time used by the cgroup since start, microseconds. */
  cpuMicros: number;
}
