import { PgClusterError } from '../errors.js';

/**
 * `temporarily(…)`'s restore refused: postgresql.conf no longer holds what the temporary edit
 * wrote (someone else changed it meanwhile), so writing the old text back would lose their
 * edit. Nothing was written; `previousText` is the text that was to be restored (restore with
 * `restore({ force: true })`, or merge it by hand).
 */
export class SettingsRestoreConflictError extends PgClusterError {
  readonly path: string;
  /** The file's text before the temporary edit, byte for byte as it was read. */
  readonly previousText: string;

  constructor(path: string, previousText: string) {
    super(
      'CONFIG_RESTORE_CONFLICT',
      `${path} changed since the temporary settings were written: not restoring it over someone else's edit (pass \`force: true\` to restore() to write the old text anyway)`,
    );
    this.path = path;
    this.previousText = previousText;
  }
}
