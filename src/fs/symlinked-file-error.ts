import { PgClusterError } from '../errors.js';

/**
 * A configuration file (postgresql.conf, pg_hba.conf, pg_ident.conf, or a file one of them
 * includes) is a symbolic link, and following it was not asked for (`followSymlinks`). Whoever can
 * write the folder holding the link (the server's OS user, for files in the data directory) could
 * point it anywhere: reading through it as root would hand out what it points to, and writing
 * would replace the link by a copy of its target. Nothing was read or written.
 */
export class SymlinkedFileError extends PgClusterError {
  declare readonly code: 'FILE_IS_SYMLINK';
  /** The link. */
  readonly path: string;

  constructor(path: string, options: { cause?: unknown } = {}) {
    super(
      'FILE_IS_SYMLINK',
      `Refusing to follow the symbolic link ${path}: pass \`followSymlinks: true\` to read and write the file it points to (as root, as the server's OS user), or replace the link by the file itself`,
      options,
    );
    this.path = path;
  }
}
