/**
 * Human output vs `--json` (the API's JSON, one document on stdout), tables, sizes, and
 * how an error is printed: `error FN_00x: message` plus its diagnostics or field path.
 */
export interface Streams {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const processStreams: Streams = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/** What an error needs to be printed: the contract's envelope fields (API or local). */
export interface CodedError {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

export class Output {
  constructor(
    readonly json: boolean,
    private readonly streams: Streams = processStreams,
  ) {}

  /** The result of a command: `value` as JSON with --json, else the human text. */
  result(value: unknown, human: () => string | string[]): void {
    if (this.json) this.streams.stdout(JSON.stringify(value, null, 2) + "\n");
    else this.print(human());
  }

  /** Human-only text on stdout (progress, hints); silent with --json. */
  print(text: string | string[]): void {
    if (this.json) return;
    const lines = Array.isArray(text) ? text : [text];
    if (lines.length > 0) this.streams.stdout(lines.join("\n") + "\n");
  }

  /** Notices that are not the result (warnings, progress) go to stderr in both modes. */
  note(text: string): void {
    this.streams.stderr(text + "\n");
  }

  error(err: CodedError): void {
    if (this.json) this.streams.stdout(JSON.stringify({ error: err }, null, 2) + "\n");
    this.streams.stderr(formatError(err).join("\n") + "\n");
  }
}

export interface Diagnostic {
  file?: string;
  line?: number;
  column?: number;
  message: string;
}

export function formatDiagnostic(d: Diagnostic | string): string {
  if (typeof d === "string") return d;
  const where = [d.file, d.line, d.column].filter((p) => p !== undefined && p !== "").join(":");
  return where ? `${where} ${d.message}` : d.message;
}

export function isCoded(err: unknown): err is CodedError {
  const e = err as Partial<CodedError> | null;
  return typeof e?.code === "string" && typeof e.message === "string" && /^(FN_\d{3}|HTTP_\d{3})$/.test(e.code);
}

/** Any error as printable lines: the contract's form when it has a code, else `error: message`. */
export function describeError(err: unknown): string[] {
  return isCoded(err) ? formatError(err) : [`error: ${err instanceof Error ? err.message : String(err)}`];
}

export function formatError(err: CodedError): string[] {
  const lines = [`error ${err.code}: ${err.message}`];
  const diagnostics = err.details?.diagnostics;
  if (Array.isArray(diagnostics)) {
    for (const text of new Set(diagnostics.map((d) => formatDiagnostic(d as Diagnostic)))) lines.push(`  ${text}`);
  }
  const path = err.details?.path;
  if (typeof path === "string" && path && !err.message.startsWith(`${path}:`)) lines.push(`  at ${path}`);
  return lines;
}

/** A plain text table: a header row, then rows, columns padded to their widest cell. */
export function table(headers: string[], rows: string[][]): string[] {
  if (rows.length === 0) return [];
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const render = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join("  ")
      .trimEnd();
  return [render(headers.map((h) => h.toUpperCase())), ...rows.map(render)];
}

export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  if (n < 1_000_000) return `${(n / 1000).toFixed(1)} kB`;
  return `${(n / 1_000_000).toFixed(1)} MB`;
}

/** `sha256:<hex>` -> the first 12 hex digits, like a short git hash. */
export function shortHash(hash: string): string {
  return hash.replace(/^sha256:/, "").slice(0, 12);
}

export function formatMs(ms: number): string {
  return ms < 10 ? ms.toFixed(2) : ms < 100 ? ms.toFixed(1) : String(Math.round(ms));
}

export interface LogLine {
  time: string;
  level: string;
  message: string;
  version?: number;
}

/** One log record as `time level message` (the format of `logs` and `logs --follow`). */
export function formatLog(log: LogLine): string {
  return `${log.time} ${log.level.padEnd(5)} ${log.message}`;
}
