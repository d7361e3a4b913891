/**
 * `auth()`: the `edge.auth` config block as a middleware, verified in the isolate with the
 * same rules and answers (edge-node/src/rules/auth.ts): 401 FN_009 with a
 * `www-authenticate` challenge (RFC 6750 section 3), 502 FN_004 when the JWKS cannot be
 * fetched. The verified claims go on `ctx.auth` for the layers after it.
 *
 * Option strings may name the function's variables as `${env.NAME}`, resolved per request
 * from `ctx.env`: the variables are not there yet while the module loads, so
 * `process.env.JWT_SECRET` at module scope would be undefined. A name that is not set
 * resolves to "", which matches nothing (an empty secret or key is ignored).
 */
import type { Context, Middleware } from "./context.guest.ts";
import { errorResponse, type AuthOutcome } from "./error-response.guest.ts";
import { verifyApiKey } from "./api-key.guest.ts";
import type { JwtSettings } from "./jwt.guest.ts";

export type AuthOptions =
  | {
      type: "jwt";
      /** HS256/384/512 key. */
      secret?: string;
      /** RS/PS/ES/EdDSA keys, fetched with the function's own fetch (its `vpc` rules apply). */
      jwksUrl?: string;
      issuer?: string;
      audience?: string | string[];
      /** `realm` of the challenge; default: the request's host name. */
      realm?: string;
    }
  | { type: "apiKey"; header?: string; keys: string[]; realm?: string };

const TOKEN = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;
const ENV_REF = /\$\{env\.([A-Za-z_][A-Za-z0-9_]*)\}/g;

export function auth(options: AuthOptions): Middleware {
  const check = compile(options);
  return async function authMiddleware(req, ctx, next) {
    const outcome = await check(req, ctx);
    if (!outcome.ok) return errorResponse(outcome, ctx.requestId);
    // middleware() hands its layers a copy of the platform's frozen ctx: this one is ours.
    if (!Object.isFrozen(ctx)) ctx.auth = outcome.claims;
    return next();
  };
}

type Check = (req: Request, ctx: Context) => Promise<AuthOutcome>;

/** Validates the options once (no web API used: this runs while the user's module loads). */
function compile(options: AuthOptions): Check {
  if (typeof options !== "object" || options === null) throw new TypeError("auth(): options must be an object");
  const realmOf = (req: Request) => (options.realm ?? hostOf(req.url)).replace(/["\\]/g, "");
  if (options.type === "jwt") {
    const { secret, jwksUrl, issuer, audience } = options;
    optionalString("secret", secret);
    optionalString("issuer", issuer);
    if (jwksUrl !== undefined && !/^https?:\/\/[^/\s]/.test(jwksUrl)) {
      throw new TypeError("auth(): jwksUrl must be an http(s) URL");
    }
    if (audience !== undefined && typeof audience !== "string" && !nonEmptyStrings(audience)) {
      throw new TypeError("auth(): audience must be a string or a non-empty array of strings");
    }
    if (secret === undefined && jwksUrl === undefined) {
      throw new TypeError(
        'auth(): jwt needs a secret or a jwksUrl (variables are not set while the module loads: write secret: "${env.JWT_SECRET}")',
      );
    }
    return (req, ctx) => {
      const settings: JwtSettings = {
        secret: secret === undefined ? undefined : resolve(secret, ctx),
        jwksUrl: jwksUrl === undefined ? undefined : resolve(jwksUrl, ctx),
        issuer: issuer === undefined ? undefined : resolve(issuer, ctx),
        audience: typeof audience === "string" ? resolve(audience, ctx) : audience?.map((a) => resolve(a, ctx)),
      };
      // Loaded on first use: jose makes a TextEncoder at load, which the isolate that
      // evaluates function.config.ts does not have (the bundler keeps it lazy).
      return import("./jwt.guest.ts").then(({ verifyJwt }) =>
        verifyJwt(req.headers.get("authorization"), settings, realmOf(req)),
      );
    };
  }
  if (options.type === "apiKey") {
    const header = (options.header ?? "x-api-key").toLowerCase();
    if (!TOKEN.test(header)) throw new TypeError("auth(): header must be an HTTP header name");
    if (!nonEmptyStrings(options.keys)) throw new TypeError("auth(): keys must be a non-empty array of strings");
    const keys = [...options.keys];
    return (req, ctx) =>
      verifyApiKey(
        req.headers.get(header),
        keys.map((key) => resolve(key, ctx)),
        header,
        realmOf(req),
      );
  }
  throw new TypeError('auth(): type must be "jwt" or "apiKey"');
}

function resolve(value: string, ctx: Context): string {
  return value.replace(ENV_REF, (_, name: string) => ctx.env?.[name] ?? "");
}

function optionalString(name: string, value: unknown): void {
  if (value !== undefined && typeof value !== "string") throw new TypeError(`auth(): ${name} must be a string`);
}

function nonEmptyStrings(value: unknown): value is string[] {
  return Array.isArray(value) && value.length > 0 && value.every((item) => typeof item === "string");
}

function hostOf(url: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\/([^/?#:]*)/i.exec(url)?.[1] ?? "bunbase";
}
