import type { CliCommand } from './cli-command.js';
import { clustersCommand } from './clusters-command.js';
import { confCommand } from './conf-command.js';
import { createCommand } from './create-command.js';
import { dropCommand } from './drop-command.js';
import { hbaCommand } from './hba-command.js';
import { listCommand } from './list-command.js';
import { provisionCommand } from './provision-command.js';
import { reloadCommand, restartCommand, startCommand, statusCommand, stopCommand } from './server-commands.js';
import { tmpCommand } from './tmp.js';

/**
 * The subcommands of `pg-cluster`, in the order `--help` lists them. To add one, write a
 * `CliCommand` in its own file and add it here.
 */
export const commands: readonly CliCommand[] = [
  listCommand,
  clustersCommand,
  tmpCommand,
  createCommand,
  startCommand,
  stopCommand,
  restartCommand,
  reloadCommand,
  statusCommand,
  confCommand,
  hbaCommand,
  dropCommand,
  provisionCommand,
];

/** What `pg-cluster` runs when no command is named (`pg-cluster --json` is `pg-cluster list --json`). */
export const defaultCommandName = 'list';
