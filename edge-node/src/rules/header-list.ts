/** Response headers the edge adds to a function's own (CORS, rate limit, A/B cookies). */

export type HeaderList = [string, string][];

/**
 * The handler's headers with the edge's merged in: `set-cookie` is appended (a handler's
 * cookies survive an A/B cookie), `vary` gains the edge's tokens, anything else the edge
 * sets replaces the handler's value (the configured CORS policy is the one that holds).
 */
export function mergeHeaders(handler: HeaderList, edge: HeaderList): HeaderList {
  if (edge.length === 0) return handler;
  const replaced = new Set<string>();
  const vary: string[] = [];
  for (const [name, value] of edge) {
    if (name === "vary") vary.push(value);
    else if (name !== "set-cookie") replaced.add(name);
  }
  const out: HeaderList = [];
  for (const [name, value] of handler) {
    const key = name.toLowerCase();
    if (key === "vary") vary.unshift(value);
    else if (!replaced.has(key)) out.push([name, value]);
  }
  for (const pair of edge) if (pair[0] !== "vary") out.push(pair);
  const tokens = uniqueTokens(vary);
  if (tokens !== "") out.push(["vary", tokens]);
  return out;
}

function uniqueTokens(values: string[]): string {
  const seen = new Map<string, string>();
  for (const value of values) {
    for (const token of value.split(",")) {
      const trimmed = token.trim();
      if (trimmed !== "" && !seen.has(trimmed.toLowerCase())) seen.set(trimmed.toLowerCase(), trimmed);
    }
  }
  return seen.has("*") ? "*" : [...seen.values()].join(", ");
}

/** A header list as the single-valued record error responses take (`set-cookie` dropped: it cannot be joined). */
export function headerRecord(list: HeaderList): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of list) {
    if (name === "set-cookie") continue;
    out[name] = out[name] === undefined ? value : `${out[name]}, ${value}`;
  }
  return out;
}
