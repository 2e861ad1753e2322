import { PgClusterError } from '../errors.js';

/**
 * An edit of postgresql.conf for a setting that postgresql.auto.conf (ALTER SYSTEM) also sets:
 * the server reads postgresql.auto.conf last, so the edit would not change what it uses. Says
 * where the overriding value is; `ALTER SYSTEM RESET name` removes it.
 */
export class SettingInAutoConfError extends PgClusterError {
  readonly settingName: string;
  /** The postgresql.auto.conf that sets it. */
  readonly file: string;
  readonly line: number;
  /** The value there, the one the server uses. */
  readonly value: string;

  constructor(settingName: string, file: string, line: number, value: string) {
    super(
      'CONFIG_SET_IN_AUTO_CONF',
      `\`${settingName}\` is set to \`${value}\` by ALTER SYSTEM in ${file} line ${line}, which overrides postgresql.conf: ` +
        `run ALTER SYSTEM RESET ${settingName}, or pass { ignoreAutoConf: true } to edit postgresql.conf anyway`,
    );
    this.settingName = settingName;
    this.file = file;
    this.line = line;
    this.value = value;
  }
}
