/** One route as the OpenAPI document (openapi-spec.ts) lists it; each routes file exports its own list. */
export interface ApiOp {
  method: "get" | "post" | "put" | "patch" | "delete";
  path: string;
  summary: string;
  tag: string;
  /** A schema name of openapi-schemas.ts for the JSON body. */
  body?: string;
  ok: number;
  okSchema?: string;
  query?: string[];
}
