/**
 * `edge.ipAllow` / `edge.ipDeny`: deny wins; with an allow list, an address it does not
 * hold is denied too. Both answer 403 FN_009.
 */
import { BunbaseError } from "../../../core/index.ts";
import { CidrList } from "./cidr-list.ts";

export class IpRules {
  readonly #allow: CidrList | undefined;
  readonly #deny: CidrList | undefined;

  constructor(allow: readonly string[] | undefined, deny: readonly string[] | undefined) {
    this.#allow = allow === undefined ? undefined : new CidrList(allow);
    this.#deny = deny === undefined || deny.length === 0 ? undefined : new CidrList(deny);
  }

  get empty(): boolean {
    return this.#allow === undefined && this.#deny === undefined;
  }

  /** The rejection for `address`, or undefined when it may pass. */
  check(address: string): BunbaseError | undefined {
    if (this.#deny?.has(address) || (this.#allow !== undefined && !this.#allow.has(address))) {
      return new BunbaseError("FN_009", "Your IP address may not call this function");
    }
    return undefined;
  }
}
