/**
 * Function variables (plain or secret) and project-wide secrets, and how a function's
 * environment is resolved for the edge: config.environment with `${secrets.X}` resolved
 * from the function's own secret variables first, then project secrets, overlaid with the
 * variables set through the API.
 */
import { randomBytes } from "node:crypto";
import { BunbaseError, ENVIRONMENTS, invalid, type Environment } from "../../../core/index.ts";
import type { FunctionRow, Store } from "../store/index.ts";
import type { Mutations } from "./mutations.ts";
import { parseEnvironment, parseValue, parseVarName } from "./environments.ts";
import type { SecretVault } from "./secret-vault.ts";
import { findSecretRefs, resolveSecretRefs } from "./secret-refs.ts";

export interface VariableView {
  key: string;
  value?: string;
  secret: boolean;
  environment: Environment;
  updatedAt: string;
}

export interface ProjectSecretView {
  name: string;
  environment: Environment;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export class Variables {
  constructor(
    private readonly store: Store,
    private readonly vault: SecretVault,
    private readonly mutations: Mutations,
  ) {}

  list(fn: FunctionRow, environment?: Environment): VariableView[] {
    return this.store.env.listVars(fn.id, environment).map((v) => {
      const view: VariableView = { key: v.key, secret: v.secret, environment: v.environment, updatedAt: v.updatedAt };
      if (!v.secret && v.value !== null) view.value = v.value;
      return view;
    });
  }

  set(fn: FunctionRow, body: Record<string, unknown>): VariableView {
    const key = parseVarName(body.key, "key");
    const value = parseValue(body.value);
    if (body.secret !== undefined && typeof body.secret !== "boolean") throw invalid("secret", "must be a boolean");
    const environment = parseEnvironment(body.environment);
    const secret = body.secret === true;
    const sealed = secret ? this.vault.seal(value, { owner: fn.id, environment, name: key }) : null;
    this.mutations.commit(() => this.store.env.putVar(fn.id, environment, key, secret ? null : value, sealed));
    return this.list(fn, environment).find((v) => v.key === key)!;
  }

  unset(fn: FunctionRow, key: string, environment: Environment): void {
    const removed = this.mutations.commit(() => this.store.env.deleteVar(fn.id, environment, key));
    if (!removed) throw new BunbaseError("FN_001", `Variable ${key} not found in ${environment}`);
  }

  listSecrets(): ProjectSecretView[] {
    return this.store.env.listSecrets().map(({ sealed: _sealed, ...view }) => view);
  }

  setSecret(body: Record<string, unknown>, nameFromPath?: string): ProjectSecretView {
    const name = parseVarName(nameFromPath ?? body.name, "name");
    const value = parseValue(body.value);
    const environment = parseEnvironment(body.environment);
    const row = this.mutations.commit(() =>
      this.store.env.putSecret(name, environment, this.vault.seal(value, { owner: "project", environment, name })),
    );
    const { sealed: _sealed, ...view } = row;
    return view;
  }

  /** New value (given, or 32 random bytes base64url returned once), version + 1. */
  rotateSecret(name: string, body: Record<string, unknown>): ProjectSecretView & { value?: string } {
    const environment = parseEnvironment(body.environment);
    if (!this.store.env.getSecret(name, environment))
      throw new BunbaseError("FN_001", `Secret ${name} not found in ${environment}`);
    const generated = body.value === undefined ? randomBytes(32).toString("base64url") : undefined;
    const view = this.setSecret({ value: generated ?? body.value, environment }, name);
    return generated === undefined ? view : { ...view, value: generated };
  }

  deleteSecret(name: string, environment: Environment | undefined): void {
    const removed = this.mutations.commit(() => this.store.env.deleteSecret(name, environment));
    if (removed === 0) throw new BunbaseError("FN_001", `Secret ${name} not found`);
  }

  /** Every `${secrets.X}` of a config must name a secret that exists (at create, PUT and deploy). */
  checkReferences(functionId: string | undefined, config: Record<string, unknown>, environment?: Environment): void {
    const refs = [
      ...findSecretRefs(config.environment ?? {}, "environment"),
      ...findSecretRefs(config.edge ?? {}, "edge"),
      // Webhook triggers' signing secrets (`secret: "${secrets.GITHUB_WEBHOOK}"`).
      ...findSecretRefs(config.triggers ?? [], "triggers"),
    ];
    const envs = environment ? [environment] : ENVIRONMENTS;
    for (const ref of refs) {
      const found = envs.some((env) => this.lookup(functionId, env, ref.name) !== undefined);
      if (!found)
        throw invalid(
          ref.path,
          `references \${secrets.${ref.name}}, which is neither a secret variable of this function nor a project secret`,
        );
    }
  }

  /** The env an edge node gets for (function, environment): secrets decrypted, references resolved. */
  resolve(fn: FunctionRow, environment: Environment): Record<string, string> {
    const configured = (fn.config.environment ?? {}) as Record<string, string>;
    const env: Record<string, string> = resolveSecretRefs({ ...configured }, (name) =>
      this.lookup(fn.id, environment, name),
    );
    for (const v of this.store.env.listVars(fn.id, environment)) {
      env[v.key] = v.sealed ? this.vault.open(v.sealed, { owner: fn.id, environment, name: v.key }) : (v.value ?? "");
    }
    return env;
  }

  /** A function's edge rules with their secret references resolved from `environment` (prod by default). */
  resolveEdge(fn: FunctionRow, environment: Environment = "prod"): unknown {
    return resolveSecretRefs(fn.config.edge, (name) => this.lookup(fn.id, environment, name));
  }

  private lookup(functionId: string | undefined, environment: Environment, name: string): string | undefined {
    if (functionId) {
      const own = this.store.env.listVars(functionId, environment).find((v) => v.key === name && v.sealed);
      if (own?.sealed) return this.vault.open(own.sealed, { owner: functionId, environment, name });
    }
    const project = this.store.env.getSecret(name, environment);
    return project ? this.vault.open(project.sealed, { owner: "project", environment, name }) : undefined;
  }
}
