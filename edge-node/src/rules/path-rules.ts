/**
 * `edge.rewrites` and `edge.redirects`: the first rule whose source matches wins. A rewrite
 * is internal (the request continues, with the new path, to whichever function serves
 * it); a redirect answers the client with its status and a `location`. Both keep the
 * request's query string.
 */
import type { EdgeConfig } from "../../../bundler/index.ts";
import { compilePattern, fillDestination, withQuery, type PathPattern } from "./path-pattern.ts";

type Rewrite = NonNullable<EdgeConfig["rewrites"]>[number];
type Redirect = NonNullable<EdgeConfig["redirects"]>[number];

interface CompiledRule<T> {
  pattern: PathPattern;
  rule: T;
}

export interface RedirectAnswer {
  status: number;
  location: string;
}

export class PathRules {
  readonly #rewrites: CompiledRule<Rewrite>[];
  readonly #redirects: CompiledRule<Redirect>[];

  constructor(rewrites: Rewrite[] = [], redirects: Redirect[] = []) {
    this.#rewrites = rewrites.map((rule) => ({ pattern: compilePattern(rule.source), rule }));
    this.#redirects = redirects.map((rule) => ({ pattern: compilePattern(rule.source), rule }));
  }

  get empty(): boolean {
    return this.#rewrites.length === 0 && this.#redirects.length === 0;
  }

  /** The rewritten path and query (`/new/x?q=1`), or undefined when no rewrite matches. */
  rewrite(pathname: string, search: string): string | undefined {
    for (const { pattern, rule } of this.#rewrites) {
      const params = pattern.match(pathname);
      if (params) return withQuery(fillDestination(rule.destination, params), search);
    }
    return undefined;
  }

  redirect(pathname: string, search: string): RedirectAnswer | undefined {
    for (const { pattern, rule } of this.#redirects) {
      const params = pattern.match(pathname);
      if (params)
        return { status: rule.status ?? 308, location: withQuery(fillDestination(rule.destination, params), search) };
    }
    return undefined;
  }
}
