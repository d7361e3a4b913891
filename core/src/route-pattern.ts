/**
 * Trigger path patterns, shared by the edge's route table (HTTP and webhook triggers) and
 * the origin's webhook routes: `/users/:id` (one segment), `/files/*` (the rest of the
 * path, at the end only). Static segments beat params, params beat a wildcard.
 */

export function splitPath(path: string): string[] {
  return path.split("/").filter((segment) => segment.length > 0);
}

/** Sort key: more static segments first, then more segments, a wildcard last. */
export function rankOf(segments: string[]): number[] {
  const statics = segments.filter((s) => !s.startsWith(":") && s !== "*").length;
  const wildcard = segments.at(-1) === "*" ? 1 : 0;
  return [wildcard, -statics, -segments.length];
}

export function compareRanks(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

/** The params of `path` under `pattern` (both split), or undefined when it does not match. */
export function matchSegments(pattern: string[], path: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const want = pattern[i];
    if (want === "*") {
      params["*"] = path.slice(i).map(decodeSegment).join("/");
      return params;
    }
    const got = path[i];
    if (got === undefined) return undefined;
    if (want.startsWith(":")) params[want.slice(1)] = decodeSegment(got);
    else if (want !== got) return undefined;
  }
  return path.length === pattern.length ? params : undefined;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment; // malformed percent-encoding: hand the raw segment to the handler
  }
}
