/** Every refusal of an image is FN_005 (contract 2.2: deployment failed) naming the entry and why. */
import { BunbaseError } from "../../../../core/index.ts";

export function imageError(entry: string, reason: string, cause?: unknown): BunbaseError {
  const where = entry ? `${entry}: ` : "";
  return new BunbaseError("FN_005", `invalid container image: ${where}${reason}`, {
    details: { entry, reason },
    cause,
  });
}
