/** Functions: create, read, replace config, delete; config validation at the boundary. */
import { httpRouteKey, parseFunctionConfig, type FunctionConfig } from "../../../bundler/index.ts";
import { BunbaseError, invalid, newId, type Environment } from "../../../core/index.ts";
import type { FunctionRow, Store, VersionRow } from "../store/index.ts";
import type { Mutations } from "./mutations.ts";
import { findConflict, httpClaims, type OwnedClaim } from "./route-conflicts.ts";
import type { Variables } from "./variables.ts";

const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;

export interface FunctionView extends Record<string, unknown> {
  id: string;
  name: string;
  activeVersions: Partial<Record<Environment, number>>;
  createdAt: string;
  updatedAt: string;
}

export class Functions {
  constructor(
    private readonly store: Store,
    private readonly variables: Variables,
    private readonly mutations: Mutations,
  ) {}

  list(): FunctionView[] {
    return this.store.functions.list().map((f) => this.view(f));
  }

  /** By id or name; FN_001 when there is none. */
  get(idOrName: string): FunctionRow {
    const fn = this.store.functions.find(idOrName);
    if (!fn) throw new BunbaseError("FN_001", `Function ${idOrName} not found`);
    return fn;
  }

  view(fn: FunctionRow): FunctionView {
    const c = fn.config;
    return {
      id: fn.id,
      ...c,
      name: fn.name,
      handler: c.handler ?? null,
      vpc: c.vpc ?? null,
      edge: c.edge ?? null,
      activeVersions: this.store.versions.active(fn.id),
      createdAt: fn.createdAt,
      updatedAt: fn.updatedAt,
    };
  }

  /** GET /functions/:id: the function plus a summary of its versions. */
  detail(fn: FunctionRow): FunctionView {
    const versions = this.store.versions.list(fn.id);
    return {
      ...this.view(fn),
      versions: {
        count: versions.length,
        latest: versions[0]?.version ?? null,
        recent: versions.slice(0, 10).map(versionSummary),
      },
    };
  }

  create(body: unknown): FunctionRow {
    const raw = asObject(body);
    if (raw.name === undefined) throw invalid("name", "a function needs a name");
    const { name, config } = this.validate(raw, undefined);
    return this.mutations.commit(() => this.store.functions.insert(newId("fn"), name, config));
  }

  update(fn: FunctionRow, body: unknown): FunctionRow {
    const raw = asObject(body);
    const { name, config } = this.validate({ ...raw, name: raw.name ?? fn.name }, fn.id);
    return this.mutations.commit(() => this.store.functions.update(fn.id, name, config));
  }

  delete(fn: FunctionRow): void {
    this.mutations.commit(() => this.store.functions.delete(fn.id));
  }

  /**
   * Parses a config (defaults applied), checks the name is free, its HTTP routes are not
   * another function's and its secret references resolve. `functionId`: the function
   * being changed (undefined on create).
   */
  validate(
    raw: Record<string, unknown>,
    functionId: string | undefined,
    environment?: Environment,
  ): { name: string; config: FunctionConfig } {
    const config = parseFunctionConfig(raw);
    const name = (config as { name?: unknown }).name ?? raw.name;
    if (typeof name !== "string" || !NAME.test(name)) {
      throw invalid("name", "must be 1-63 letters, digits, '-' or '_', starting with a letter or digit");
    }
    const owner = this.store.functions.find(name);
    if (owner && owner.id !== functionId) throw invalid("name", `a function named ${name} already exists`);
    this.checkRoutes(config, functionId);
    this.variables.checkReferences(functionId, config as unknown as Record<string, unknown>, environment);
    return { name, config };
  }

  private checkRoutes(config: FunctionConfig, functionId: string | undefined): void {
    const others: OwnedClaim[] = this.store.functions
      .list()
      .filter((f) => f.id !== functionId)
      .flatMap((f) => httpClaims(f.config.triggers, httpRouteKey).map((c) => ({ ...c, functionName: f.name })));
    const clash = findConflict(httpClaims(config.triggers, httpRouteKey), others);
    if (clash) {
      throw invalid(
        `triggers[${clash.mine.index}].path`,
        `${clash.mine.methods.join(",")} ${clash.mine.path} is already served by function ${clash.other.functionName}`,
        {
          conflictsWith: clash.other.functionName,
        },
      );
    }
  }
}

/** A version as the API shows it (contract 2.6, `GET /functions/:id/versions`). */
export function versionSummary(v: VersionRow) {
  return {
    version: v.version,
    status: v.status,
    bundleHash: v.bundleHash,
    environment: v.environment,
    createdAt: v.createdAt,
    message: v.message,
  };
}

export function asObject(body: unknown, path = ""): Record<string, unknown> {
  if (!body || typeof body !== "object" || Array.isArray(body)) throw invalid(path, "the body must be a JSON object");
  return body as Record<string, unknown>;
}
