/**
 * Two functions may not claim the same method on the same HTTP route (contract section 3).
 * Routes are compared by their normalized key (bundler's httpRouteKey), so `/users/:id`
 * and `/users/:name` collide. A webhook trigger claims POST on its path (the edge routes
 * it like an HTTP trigger), so it collides with another webhook or an HTTP POST there.
 */
export interface HttpClaim {
  /** Index of the trigger in its function's `triggers`. */
  index: number;
  key: string;
  path: string;
  methods: string[];
}

export interface OwnedClaim extends HttpClaim {
  functionName: string;
}

const ALL = new Set(["*", "ANY", "ALL"]);

/** The HTTP and webhook triggers of a config, with their route keys. */
export function httpClaims(triggers: unknown, routeKey: (path: string) => string): HttpClaim[] {
  if (!Array.isArray(triggers)) return [];
  const claims: HttpClaim[] = [];
  triggers.forEach((t: { type?: unknown; path?: unknown; methods?: unknown }, index) => {
    if ((t?.type !== "http" && t?.type !== "webhook") || typeof t.path !== "string") return;
    const methods =
      t.type === "webhook"
        ? ["POST"]
        : Array.isArray(t.methods) && t.methods.length > 0
          ? t.methods.map((m) => String(m).toUpperCase())
          : ["*"];
    claims.push({ index, key: routeKey(t.path), path: t.path, methods });
  });
  return claims;
}

export function methodsOverlap(a: string[], b: string[]): boolean {
  if (a.some((m) => ALL.has(m)) || b.some((m) => ALL.has(m))) return true;
  return a.some((m) => b.includes(m));
}

/** The first of `mine` that another function already claims, with that function's claim. */
export function findConflict(
  mine: HttpClaim[],
  others: OwnedClaim[],
): { mine: HttpClaim; other: OwnedClaim } | undefined {
  for (const claim of mine) {
    const other = others.find((o) => o.key === claim.key && methodsOverlap(o.methods, claim.methods));
    if (other) return { mine: claim, other };
  }
  return undefined;
}
