/** Every `bunbase` command, in the order `bunbase --help` lists them. */
import type { CommandSpec } from "../command.ts";
import { deleteCommand } from "./delete.ts";
import { deployCommand } from "./deploy.ts";
import { devCommand } from "./dev.ts";
import { dlqListCommand, dlqRetryCommand } from "./dlq.ts";
import { envListCommand, envSetCommand, envUnsetCommand } from "./env.ts";
import { initCommand } from "./init.ts";
import { invokeCommand } from "./invoke.ts";
import { keysCreateCommand, keysDeleteCommand, keysListCommand } from "./keys.ts";
import { listCommand } from "./list.ts";
import { logsCommand } from "./logs.ts";
import { nodesCommand } from "./nodes.ts";
import { rollbackCommand } from "./rollback.ts";
import { secretsDeleteCommand, secretsListCommand, secretsRotateCommand, secretsSetCommand } from "./secrets.ts";
import { startCommand } from "./start.ts";
import { testCommand } from "./test.ts";
import { versionsCommand } from "./versions.ts";

export const COMMANDS: CommandSpec[] = [
  startCommand,
  initCommand,
  devCommand,
  testCommand,
  deployCommand,
  listCommand,
  invokeCommand,
  logsCommand,
  versionsCommand,
  rollbackCommand,
  envSetCommand,
  envListCommand,
  envUnsetCommand,
  secretsSetCommand,
  secretsListCommand,
  secretsRotateCommand,
  secretsDeleteCommand,
  dlqListCommand,
  dlqRetryCommand,
  deleteCommand,
  nodesCommand,
  keysListCommand,
  keysCreateCommand,
  keysDeleteCommand,
];
