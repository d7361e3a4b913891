/**
 * `console` for user code: arguments are formatted like Node's util.format (%s %d %i
 * %f %j %o %O %c %%), objects as JSON, Errors with their stack, then handed to the host
 * as one line of the given level.
 */
import type { GuestLogLevel } from "./protocol.ts";
export type EmitLog = (level: GuestLogLevel, message: string) => void;

function describeError(error: Error): string {
  const stack = typeof error.stack === "string" ? error.stack : "";
  const head = `${error.name}: ${error.message}`;
  return stack.startsWith(head) || stack.includes(error.message) ? stack : `${head}\n${stack}`;
}

function toJson(value: unknown): string {
  const seen = new WeakSet<object>();
  try {
    const text = JSON.stringify(value, (_key, item: unknown) => {
      if (typeof item === "bigint") return `${item}n`;
      if (typeof item === "function") return `[Function ${item.name || "anonymous"}]`;
      if (typeof item === "symbol") return item.toString();
      if (item instanceof Map) return Object.fromEntries(item);
      if (item instanceof Set) return [...item];
      if (item instanceof Error) return describeError(item);
      if (typeof item === "object" && item !== null) {
        if (seen.has(item)) return "[Circular]";
        seen.add(item);
      }
      return item;
    });
    return text ?? String(value);
  } catch {
    // A throwing toJSON or getter: say so instead of losing the line.
    return "[Unserializable]";
  }
}

export function inspect(value: unknown): string {
  if (typeof value === "string") return value;
  if (value instanceof Error) return describeError(value);
  if (typeof value === "function") return `[Function ${value.name || "anonymous"}]`;
  if (typeof value === "symbol" || typeof value === "bigint")
    return String(value) + (typeof value === "bigint" ? "n" : "");
  if (typeof value === "object" && value !== null) return toJson(value);
  return String(value);
}

function formatDirective(directive: string, arg: unknown): string {
  switch (directive) {
    case "s":
      return typeof arg === "string" ? arg : inspect(arg);
    case "d":
    case "i": {
      const n = typeof arg === "bigint" ? arg : Number(arg);
      return typeof n === "bigint" ? `${n}n` : String(directive === "i" ? Math.trunc(n) : n);
    }
    case "f":
      return String(Number(arg));
    case "j":
      return toJson(arg);
    case "o":
    case "O":
      return inspect(arg);
    default:
      return "";
  }
}

export function format(args: unknown[]): string {
  if (args.length === 0) return "";
  const [first, ...rest] = args;
  if (typeof first !== "string") return args.map(inspect).join(" ");
  let index = 0;
  const head = first.replace(/%([sdifjoOc%])/g, (match, directive: string) => {
    if (directive === "%") return "%";
    if (index >= rest.length) return match;
    return formatDirective(directive, rest[index++]);
  });
  return [head, ...rest.slice(index).map(inspect)].join(" ");
}

export function createConsole(emit: EmitLog): Readonly<Record<string, (...args: unknown[]) => void>> {
  const at =
    (level: GuestLogLevel) =>
    (...args: unknown[]) =>
      emit(level, format(args));
  const timers = new Map<string, number>();
  const methods = {
    log: at("info"),
    info: at("info"),
    dir: at("info"),
    table: at("info"),
    debug: at("debug"),
    trace: at("debug"),
    warn: at("warn"),
    error: at("error"),
    assert(condition?: unknown, ...args: unknown[]) {
      if (!condition) emit("error", format(["Assertion failed", ...args]));
    },
    time(label: unknown = "default") {
      timers.set(String(label), Date.now());
    },
    timeEnd(label: unknown = "default") {
      const started = timers.get(String(label));
      timers.delete(String(label));
      if (started !== undefined) emit("info", `${String(label)}: ${Date.now() - started}ms`);
    },
    group() {},
    groupEnd() {},
  };
  return Object.freeze(methods);
}
