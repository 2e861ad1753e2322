import type { CliCommand } from './cli-command.js';
import { listCommand } from './list-command.js';
import { provisionCommand } from './provision-command.js';
import { tmpCommand } from './tmp.js';

/**
 * The subcommands of `pg-cluster`, in the order `--help` lists them. To add one, write a
 * `CliCommand` in its own file and add it here.
 */
export const commands: readonly CliCommand[] = [listCommand, tmpCommand, provisionCommand];

/** What `pg-cluster` runs when no command is named (`pg-cluster --json` is `pg-cluster list --json`). */
export const defaultCommandName = 'list';
