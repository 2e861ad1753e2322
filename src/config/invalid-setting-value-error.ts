import { describeValue, PgClusterError } from '../errors.js';

/** A value that cannot be written to postgresql.conf, or that a value helper cannot read. */
export class InvalidSettingValueError extends PgClusterError {
  readonly settingName: string | undefined;
  readonly value: unknown;
  readonly reason: string;

  constructor(settingName: string | undefined, value: unknown, reason: string) {
    const subject = settingName === undefined ? 'Value' : `Value of \`${settingName}\``;
    super('CONFIG_INVALID_VALUE', `${subject} ${describeValue(value)} is invalid: ${reason}`);
    this.settingName = settingName;
    this.value = value;
    this.reason = reason;
  }
}
