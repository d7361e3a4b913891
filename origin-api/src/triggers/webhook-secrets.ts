/**
 * A webhook trigger's `secret` with its `${secrets.NAME}` references resolved the way a
 * function's environment is (services/variables.ts): the function's own secret variables
 * first, then the project-wide secrets, of the prod environment.
 */
import type { Environment } from "../../../core/index.ts";
import type { SecretVault } from "../services/secret-vault.ts";
import { SECRET_REF } from "../services/secret-refs.ts";
import type { FunctionRow, Store } from "../store/index.ts";

export class WebhookSecrets {
  constructor(
    private readonly store: Store,
    private readonly vault: SecretVault,
    private readonly environment: Environment = "prod",
  ) {}

  /** The secret, or undefined when a reference names no secret (never verify against ""). */
  resolve(fn: FunctionRow, value: string): string | undefined {
    let missing = false;
    const resolved = value.replace(SECRET_REF, (_, name: string) => {
      const found = this.lookup(fn.id, name);
      if (found === undefined) missing = true;
      return found ?? "";
    });
    return missing || resolved === "" ? undefined : resolved;
  }

  private lookup(functionId: string, name: string): string | undefined {
    const env = this.environment;
    const own = this.store.env.listVars(functionId, env).find((v) => v.key === name && v.sealed);
    if (own?.sealed) return this.vault.open(own.sealed, { owner: functionId, environment: env, name });
    const project = this.store.env.getSecret(name, env);
    return project ? this.vault.open(project.sealed, { owner: "project", environment: env, name }) : undefined;
  }
}
