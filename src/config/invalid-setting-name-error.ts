import { describeValue, PgClusterError } from '../errors.js';

/**
 * A setting name the server would not read as one: not an identifier (`[A-Za-z_][A-Za-z0-9_]*`,
 * optionally `class.name`), or an include directive used where a setting is meant.
 */
export class InvalidSettingNameError extends PgClusterError {
  readonly settingName: unknown;
  readonly reason: 'not-a-string' | 'not-an-identifier' | 'directive';

  constructor(settingName: unknown, reason: InvalidSettingNameError['reason']) {
    const why =
      reason === 'directive'
        ? 'an include directive, not a setting'
        : reason === 'not-a-string'
          ? 'not a string'
          : 'not a valid setting name (letters, digits and underscores, optionally `class.name`)';
    super('CONFIG_INVALID_NAME', `Setting name ${describeValue(settingName)} is ${why}`);
    this.settingName = settingName;
    this.reason = reason;
  }
}
