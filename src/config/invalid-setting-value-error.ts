import { describeValue, PgClusterError } from '../errors.js';
import { describeAllowedValues, type AllowedSettingValues } from './allowed-setting-values.js';

/**
 * A value that cannot be written to postgresql.conf, or that a value helper cannot read. When
 * the server refuses the value (`cluster.settings.set`), `allowed` says what it accepts and
 * `reason` is the server's own words.
 */
export class InvalidSettingValueError extends PgClusterError {
  readonly settingName: string | undefined;
  readonly value: unknown;
  readonly reason: string;
  /** What the setting accepts (type, bounds and base unit, or the enum values), when known. */
  readonly allowed: AllowedSettingValues | undefined;

  constructor(settingName: string | undefined, value: unknown, reason: string, options: { allowed?: AllowedSettingValues; hint?: string } = {}) {
    const { allowed, hint } = options;
    const subject = settingName === undefined ? 'Value' : `Value of \`${settingName}\``;
    const message =
      allowed === undefined || settingName === undefined
        ? `${subject} ${describeValue(value)} is invalid: ${reason}`
        : `Expected \`${settingName}\` to be ${describeAllowedValues(allowed)}, got ${describeValue(value)}: ${reason}`;
    super('CONFIG_INVALID_VALUE', hint === undefined ? message : `${message}. ${hint}`);
    this.settingName = settingName;
    this.value = value;
    this.reason = reason;
    this.allowed = allowed;
  }
}
