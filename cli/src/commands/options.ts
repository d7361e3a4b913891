import type { OptionSpec } from "../command.ts";

/** `--env`: the environment a command acts on. */
export const envOption: OptionSpec = {
  type: "string",
  value: "<prod|staging>",
  description: "environment (default prod)",
};
