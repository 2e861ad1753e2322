import { PgClusterError } from '../errors.js';

/**
 * An edit of a setting whose effective value comes from an included file: changing the main
 * file would not change what the server reads. Says where the setting is; pass
 * `{ inMainFile: true }` to write it in the main file anyway (after every include).
 */
export class SettingInIncludedFileError extends PgClusterError {
  readonly settingName: string;
  readonly file: string;
  readonly line: number;

  constructor(settingName: string, file: string, line: number) {
    super(
      'CONFIG_SET_IN_INCLUDED_FILE',
      `\`${settingName}\` is set in included file ${file} line ${line}; edit that file, or pass { inMainFile: true } to override it from the main file`,
    );
    this.settingName = settingName;
    this.file = file;
    this.line = line;
  }
}
