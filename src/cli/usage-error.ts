import { PgClusterError } from '../index.js';

/** A command line the CLI cannot run: an unknown command or option, a missing value. Exit status 2. */
export class UsageError extends PgClusterError {
  declare readonly code: 'USAGE';
  /** The command whose usage to point to (`null`: the top level). */
  readonly command: string | null;

  constructor(message: string, command: string | null, options?: { cause?: unknown }) {
    super('USAGE', message, options);
    this.command = command;
  }
}
