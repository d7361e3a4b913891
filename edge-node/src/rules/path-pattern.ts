/**
 * Source patterns of rewrites and redirects (contract section 3): `/blog/:slug` (one
 * segment), `/old/:path*` (the rest of the path, zero or more segments, last only), static
 * segments compared as they are. Destinations are filled from the captured parameters.
 */

export type PathParams = Record<string, string>;

interface Segment {
  kind: "static" | "param" | "rest";
  /** The static text, or the parameter's name. */
  value: string;
}

export interface PathPattern {
  readonly source: string;
  match(pathname: string): PathParams | undefined;
}

/** Compiles `source` once; `match` then costs one split of the path. */
export function compilePattern(source: string): PathPattern {
  const segments: Segment[] = splitPath(source).map((part) => {
    const rest = /^:([A-Za-z_][A-Za-z0-9_]*)\*$/.exec(part);
    if (rest) return { kind: "rest", value: rest[1] };
    if (part === "*") return { kind: "rest", value: "*" };
    if (part.startsWith(":")) return { kind: "param", value: part.slice(1) };
    return { kind: "static", value: part };
  });
  return { source, match: (pathname) => matchSegments(segments, splitPath(pathname)) };
}

function matchSegments(pattern: Segment[], path: string[]): PathParams | undefined {
  const params: PathParams = {};
  for (let i = 0; i < pattern.length; i++) {
    const want = pattern[i];
    if (want.kind === "rest") {
      // Kept percent-encoded: it goes back into a path as it came.
      params[want.value] = path.slice(i).join("/");
      return params;
    }
    const got = path[i];
    if (got === undefined) return undefined;
    if (want.kind === "param") params[want.value] = got;
    else if (want.value !== got) return undefined;
  }
  return path.length === pattern.length ? params : undefined;
}

function splitPath(path: string): string[] {
  return path.split("/").filter((segment) => segment.length > 0);
}

/**
 * Fills `:name` and `:name*` in a destination (a path, or an http(s) URL for redirects).
 * A parameter the params lack becomes empty, and the `//` that leaves is collapsed.
 */
export function fillDestination(destination: string, params: PathParams): string {
  const { base, query } = splitQuery(destination);
  const absolute = /^https?:\/\/[^/]+/.exec(base);
  const prefix = absolute ? absolute[0] : "";
  const path = base.slice(prefix.length).replace(/:([A-Za-z_][A-Za-z0-9_]*)(\*)?/g, (_, name: string) => {
    return params[name] ?? "";
  });
  const tidy = path.replace(/\/{2,}/g, "/");
  const filled = prefix + (tidy === "" && prefix === "" ? "/" : tidy);
  return query === "" ? filled : `${filled}?${query}`;
}

/** `dest?x=1` + the request's `?y=2` -> `dest?x=1&y=2`: the client's query string is kept. */
export function withQuery(target: string, search: string): string {
  const extra = search.startsWith("?") ? search.slice(1) : search;
  if (extra === "") return target;
  return target.includes("?") ? `${target}&${extra}` : `${target}?${extra}`;
}

function splitQuery(value: string): { base: string; query: string } {
  const at = value.indexOf("?");
  return at === -1 ? { base: value, query: "" } : { base: value.slice(0, at), query: value.slice(at + 1) };
}
