/**
 * The platform services of a `functions test` run: the origin's own data services (db,
 * storage, auth, queues, on the origin's SQLite store code) over a store on this machine,
 * reached by the in-process IsolatePool the way a deployed function reaches them: its
 * HostSdk forwards each call to the origin's `/internal/sdk` routes (routes/sdk.ts), here
 * mounted on a loopback server on port 0 that only this run's random key may call. The
 * store opens on the first call, so a function that never calls the SDK leaves no files.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { pino } from "pino";
import { BunbaseError, errorBody, newRequestId, type Logger } from "../../core/index.ts";
import { DataServices } from "../../origin-api/src/data/index.ts";
import type { AppEnv } from "../../origin-api/src/http/app-env.ts";
import { limitBody } from "../../origin-api/src/http/body.ts";
import { notFound, onError } from "../../origin-api/src/http/errors.ts";
import { requestId } from "../../origin-api/src/http/request-id.ts";
import { sdkRoutes } from "../../origin-api/src/routes/sdk.ts";
import { loadMasterKey } from "../../origin-api/src/services/master-key.ts";
import { Store } from "../../origin-api/src/store/index.ts";
import type { LocalEvent } from "./event-file.ts";
import { LocalEventLog } from "./local-events.ts";

/** The function the calls act for (the routes check that it exists in the store). */
export interface LocalFunction {
  functionId: string;
  name: string;
  config: object;
}

/** Where the data lives: a folder kept between runs, or a temp one removed at the end. */
export type LocalDataOptions = { dir: string; temporary?: false; reset?: boolean } | { temporary: true };

export interface LocalServices {
  /** What the IsolatePool's `sdk` option takes. */
  origin: { apiUrl: string; apiKey: string; forwardKey(): string };
  /** The store's folder, once a call opened it (undefined when the function made none). */
  openedDir(): string | undefined;
  temporary: boolean;
  /** What the writes published, in order. */
  events: LocalEvent[];
  /** Unexpected failures inside the services (a bug, a broken store), for the output. */
  problems: string[];
  close(): Promise<void>;
}

/** What the store holds in its folder: all that `--reset-data` removes, and nothing else. */
const STORE_ENTRIES = ["bunbase.db", "bunbase.db-wal", "bunbase.db-shm", "storage", "bundles", "master.key"];

export function resetLocalData(dir: string): void {
  for (const entry of STORE_ENTRIES) rmSync(join(dir, entry), { recursive: true, force: true });
}

export async function startLocalServices(fn: LocalFunction, options: LocalDataOptions): Promise<LocalServices> {
  const temporary = options.temporary === true;
  const dir = options.temporary ? mkdtempSync(join(tmpdir(), "bunbase-local-")) : options.dir;
  if (!options.temporary && options.reset) resetLocalData(dir);
  const runKey = randomBytes(32).toString("base64url");
  const forwardKey = randomBytes(32).toString("base64url");
  const events = new LocalEventLog();
  const problems: string[] = [];
  const log = pino({ level: "error" }, { write: (line: string) => problems.push(problemOf(line)) });
  const isRunKey = keyCheck(runKey);

  let opened: { store: Store; routes: Hono<AppEnv> } | undefined;
  const fetch = (req: Request): Response | Promise<Response> => {
    // Before the store opens: a request without the key must not create it.
    if (!isRunKey(req.headers.get("authorization")))
      return envelope(new BunbaseError("FN_009", "Invalid API key: only this run may call", { status: 401 }));
    try {
      opened ??= openSdkRoutes(dir, fn, { events, forwardKey, log });
    } catch (err) {
      const failure = new BunbaseError(
        "FN_004",
        `the local store in ${dir} could not be opened: ${err instanceof Error ? err.message : String(err)}`,
      );
      problems.push(failure.message);
      return envelope(failure);
    }
    return opened.routes.fetch(req);
  };

  const server = await new Promise<Server>((resolve, reject) => {
    const srv = serve({ fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(srv as Server));
    srv.once("error", reject);
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: { apiUrl: `http://127.0.0.1:${port}`, apiKey: runKey, forwardKey: () => forwardKey },
    openedDir: () => (opened ? dir : undefined),
    temporary,
    events: events.events,
    problems,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      opened?.store.close();
      if (temporary) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The store in `dir` (made on first use) and the origin's `/internal/sdk` routes over it. */
function openSdkRoutes(
  dir: string,
  fn: LocalFunction,
  o: { events: LocalEventLog; forwardKey: string; log: Logger },
): { store: Store; routes: Hono<AppEnv> } {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const store = Store.open(dir);
  try {
    // The routes act only for a function that exists (routes/sdk.ts): this one, here.
    if (store.functions.find(fn.functionId) === undefined) store.functions.insert(fn.functionId, fn.name, fn.config);
    const data = new DataServices({ store, events: o.events, masterKey: loadMasterKey(dir).key, dataDir: dir });
    const routes = new Hono<AppEnv>();
    routes.use("*", requestId());
    routes.use("*", limitBody());
    routes.route("/", sdkRoutes({ store, data, forwardKey: o.forwardKey }));
    routes.notFound(notFound());
    routes.onError(onError(o.log));
    return { store, routes };
  } catch (err) {
    store.close();
    throw err;
  }
}

/** `Authorization: Bearer <key>`, compared in constant time. */
function keyCheck(key: string): (authorization: string | null) => boolean {
  const want = Buffer.from(`Bearer ${key}`);
  return (authorization) => {
    const given = Buffer.from(authorization ?? "");
    return given.length === want.length && timingSafeEqual(given, want);
  };
}

/** The contract's error envelope, for the answers given before the routes run. */
function envelope(err: BunbaseError): Response {
  return Response.json(errorBody(err, newRequestId()), { status: err.status });
}

/** A pino line (routes' onError logs unexpected failures) as one readable line. */
function problemOf(line: string): string {
  try {
    const record = JSON.parse(line) as { msg?: string; err?: { message?: string } };
    return [record.msg, record.err?.message].filter(Boolean).join(": ");
  } catch {
    return line.trim();
  }
}
