/** `${secrets.NAME}` references in a config (contract section 3). */
export const SECRET_REF = /\$\{secrets\.([A-Za-z_][A-Za-z0-9_]*)\}/g;

export interface SecretRef {
  /** Where it appears, e.g. `environment.DB_URL` or `edge.auth.secret`. */
  path: string;
  name: string;
}

export function findSecretRefs(value: unknown, path: string): SecretRef[] {
  if (typeof value === "string") return [...value.matchAll(SECRET_REF)].map((m) => ({ path, name: m[1] }));
  if (Array.isArray(value)) return value.flatMap((v, i) => findSecretRefs(v, `${path}[${i}]`));
  if (value && typeof value === "object") {
    return Object.entries(value).flatMap(([k, v]) => findSecretRefs(v, path ? `${path}.${k}` : k));
  }
  return [];
}

/** Replaces every reference in strings of `value` (deeply); unresolved ones become "". */
export function resolveSecretRefs<T>(value: T, lookup: (name: string) => string | undefined): T {
  if (typeof value === "string") return value.replace(SECRET_REF, (_, name: string) => lookup(name) ?? "") as T;
  if (Array.isArray(value)) return value.map((v: unknown) => resolveSecretRefs(v, lookup)) as T;
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveSecretRefs(v, lookup)])) as T;
  }
  return value;
}
