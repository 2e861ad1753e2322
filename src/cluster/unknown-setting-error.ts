import { PgClusterError } from '../errors.js';

/**
 * A setting name the cluster's server does not know (a typo such as `wrok_mem`). Written to
 * postgresql.conf it would stop the server from starting ("configuration file contains errors")
 * and make a reload ignore the whole file, so the edit is refused and nothing is written.
 */
export class UnknownSettingError extends PgClusterError {
  declare readonly code: 'CONFIG_UNKNOWN_SETTING';
  readonly settingName: string;
  /** The nearest known name, when one is close: `work_mem` for `wrok_mem`. */
  readonly suggestion: string | null;
  readonly dataDirectory: string;

  constructor(settingName: string, suggestion: string | null, dataDirectory: string) {
    super(
      'CONFIG_UNKNOWN_SETTING',
      `The server of ${dataDirectory} has no setting \`${settingName}\`${suggestion === null ? '' : ` (did you mean \`${suggestion}\`?)`}: ` +
        'written to postgresql.conf it would stop the server from starting. Custom settings need a dot (`myext.option`); pass `allowUnknown: true` to write it anyway.',
    );
    this.settingName = settingName;
    this.suggestion = suggestion;
    this.dataDirectory = dataDirectory;
  }
}
