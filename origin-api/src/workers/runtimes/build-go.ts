/**
 * Go artifacts: a static binary made of the user's package and a generated main package
 * (go/main.go.tmpl) that serves it on 127.0.0.1:$PORT. The main package lives inside a
 * copy of the user's module, so its go.mod, go.sum and vendor/ apply unchanged; the build
 * is offline (GOPROXY=off): dependencies must be vendored or already in the module cache.
 * The SDK module (`bunbase.dev/sdk`, sdk/go/) is always provided: required and replaced by
 * our folder in the copy's go.mod, and put into vendor/ when the module vendors.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { isAbsolute, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import type { Diagnostic } from "../../../../bundler/index.ts";
import {
  copySources,
  deployFailed,
  fileProblem,
  handlerName,
  writeManifest,
  type ArtifactBuild,
  type BuildArtifactOptions,
} from "./artifact.ts";
import { goBinary } from "./runtime-status.ts";
import { provideGoSdk } from "./go-sdk.ts";

const TEMPLATE = fileURLToPath(new URL("./go/main.go.tmpl", import.meta.url));
/** The generated main package, inside the copied module. */
const MAIN_DIR = "zz_bunbase_main";
const BINARY = ".bunbase/handler";
const DEFAULT_HANDLER = "Handler";
const HANDLER_TYPES = "func(http.ResponseWriter, *http.Request) or func(context.Context, json.RawMessage) (any, error)";

function buildTimeoutMs(): number {
  return Number(process.env.BUNBASE_GO_BUILD_TIMEOUT_MS ?? 300_000);
}

async function modulePath(dir: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(join(dir, "go.mod"), "utf8");
  } catch {
    throw fileProblem("go.mod", "go.mod not found: a Go function is a module (go mod init example.com/fn)");
  }
  const match = /^\s*module\s+"?([^\s"]+)"?/m.exec(text);
  if (!match) throw fileProblem("go.mod", "go.mod has no module line");
  return match[1];
}

/** The default handler and every trigger's own, deduplicated. */
function handlerNames(config: BuildArtifactOptions["config"]): string[] {
  const names = [config.handler ?? DEFAULT_HANDLER];
  for (const trigger of config.triggers) if (trigger.handler) names.push(handlerName(trigger.handler));
  return [...new Set(names)];
}

async function writeMain(moduleDir: string, importPath: string, names: string[], defaultName: string): Promise<string> {
  const registrations = names.map((name) => `\tregister(${JSON.stringify(name)}, userpkg.${name})`).join("\n");
  const source = (await readFile(TEMPLATE, "utf8"))
    .replace("{{IMPORT_PATH}}", importPath)
    .replace("{{REGISTRATIONS}}", registrations)
    .replace("{{DEFAULT_HANDLER}}", defaultName);
  await mkdir(join(moduleDir, MAIN_DIR), { recursive: true });
  await writeFile(join(moduleDir, MAIN_DIR, "main.go"), source);
  return source;
}

function goEnv(moduleDir: string): NodeJS.ProcessEnv {
  const vendored = existsSync(join(moduleDir, "vendor", "modules.txt"));
  return {
    ...process.env,
    CGO_ENABLED: "0",
    GOFLAGS: `-trimpath -buildvcs=false -mod=${vendored ? "vendor" : "mod"}`,
    GOPROXY: "off",
    GOSUMDB: "off",
    GOTOOLCHAIN: "local",
    GOWORK: "off",
    GOTELEMETRY: "off",
    ...(process.env.BUNBASE_GO_CACHE ? { GOCACHE: process.env.BUNBASE_GO_CACHE } : {}),
  };
}

/** What the compiler said about the generated main package, in the user's terms. */
function explainGenerated(message: string, importPath: string, sourceLine: string): string {
  const symbol = /userpkg\.([A-Za-z0-9_]+)/.exec(`${message} ${sourceLine}`)?.[1];
  if (/is a program, not an importable package/.test(message)) {
    return `the module's root package is package main: make it a library package (e.g. package function) that exports ${DEFAULT_HANDLER}`;
  }
  if (/undefined: userpkg\./.test(message)) {
    return `package ${importPath} has no exported function ${symbol} (the handler function.config names)`;
  }
  if (/does not satisfy|cannot use|cannot infer/.test(message)) {
    return `handler ${symbol} has the wrong type: want ${HANDLER_TYPES} (${message})`;
  }
  return message;
}

const LOCATION = /^(.+?\.go):(\d+)(?::(\d+))?: (.*)$/;

/** `go build` output -> diagnostics with paths relative to the user's folder. */
export function parseGoErrors(output: string, moduleDir: string, importPath: string, mainSource: string): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const mainLines = mainSource.split("\n");
  for (const line of output.split("\n")) {
    if (line.startsWith("#") || line.trim() === "") continue;
    const previous = diagnostics.at(-1);
    if (line.startsWith("\t") && previous) {
      previous.message += `\n${line.trim()}`;
      continue;
    }
    const match = LOCATION.exec(line);
    if (!match) {
      diagnostics.push({ file: "go.mod", line: 0, column: 0, message: line.replace(/^go: /, "") });
      continue;
    }
    let file = match[1].replace(/^\.\//, "");
    if (isAbsolute(file)) file = relative(moduleDir, file);
    if (file.startsWith(`${MAIN_DIR}/`)) {
      const message = explainGenerated(match[4], importPath, mainLines[Number(match[2]) - 1] ?? "");
      diagnostics.push({ file: "", line: 0, column: 0, message });
    } else {
      diagnostics.push({ file, line: Number(match[2]), column: Number(match[3] ?? 0), message: match[4] });
    }
  }
  return diagnostics;
}

function runGo(go: string, args: string[], cwd: string): Promise<{ ok: boolean; output: string }> {
  return new Promise((resolve) => {
    const options = { cwd, env: goEnv(cwd), timeout: buildTimeoutMs(), maxBuffer: 16 * 1024 * 1024 };
    execFile(go, args, options, (err, stdout, stderr) => {
      const output = `${stdout}${stderr}`;
      if (err && err.killed) resolve({ ok: false, output: `go build did not finish within ${buildTimeoutMs()} ms` });
      else resolve({ ok: !err, output: err && !output ? err.message : output });
    });
  });
}

export async function buildGo(options: BuildArtifactOptions): Promise<ArtifactBuild> {
  const { srcDir, outDir, config } = options;
  const go = goBinary();
  if (go === undefined) throw deployFailed("Runtime go1.x is not available on this machine: no Go toolchain");
  const work = await mkdtemp(join(tmpdir(), "bunbase-go-"));
  try {
    const moduleDir = join(work, "module");
    await copySources(srcDir, moduleDir);
    const importPath = await modulePath(moduleDir);
    if (existsSync(join(moduleDir, MAIN_DIR))) throw fileProblem(MAIN_DIR, `${MAIN_DIR}/ is reserved for the build`);
    const names = handlerNames(config);
    const mainSource = await writeMain(moduleDir, importPath, names, config.handler ?? DEFAULT_HANDLER);
    const wired = await runGo(go, ["mod", "edit", ...provideGoSdk.editArgs], moduleDir);
    if (!wired.ok) throw deployFailed(`Build failed: go.mod: ${wired.output.trim()}`);
    await provideGoSdk.vendor(moduleDir);

    await copySources(srcDir, outDir, ["vendor"]);
    await mkdir(join(outDir, ".bunbase"), { recursive: true });
    const args = ["build", "-ldflags=-s -w", "-o", join(outDir, BINARY), `./${MAIN_DIR}`];
    const { ok, output } = await runGo(go, args, moduleDir);
    if (!ok) {
      const diagnostics = parseGoErrors(output, moduleDir, importPath, mainSource);
      const first = diagnostics[0];
      const where = first && first.line > 0 ? `${first.file}:${first.line}:${first.column}: ` : "";
      throw deployFailed(`Build failed: ${where}${first?.message ?? output.trim()}`, diagnostics);
    }
    await writeManifest(outDir, { runtime: "go1.x", handler: config.handler ?? DEFAULT_HANDLER, entry: BINARY });
    return { warnings: [] };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
