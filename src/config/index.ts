// postgresql.conf: a lossless document editor that reads what the server reads.
export { ConfigFile } from './config-file.js';
export type { ConfigDiagnostic, ConfigInclude, ConfigLine, ConfigSetting, SaveOptions, SetOptions, UnsetOptions } from './config-document.js';
export type { ConfigValue } from './setting-input.js';
export { readConfigFileSet, type ConfigFileSet, type ReadConfigFileSetOptions } from './config-file-set.js';
export { MAX_INCLUDE_DEPTH, type ConfigFileEntry, type ConfigFileErrorCode } from './config-walk.js';
export { lexConfigLine, type ConfigToken, type ConfigTokenKind, type LexConfigLineOptions } from './config-lexer.js';
export { foldSettingName } from './config-line.js';
export { formatConfigValue, quoteConfigString, unquoteConfigString, isBareConfigValue } from './config-quoting.js';
export { InvalidSettingNameError } from './invalid-setting-name-error.js';
export { InvalidSettingValueError } from './invalid-setting-value-error.js';
export { checkAllowedValue, describeAllowedValues, type AllowedSettingValues } from './allowed-setting-values.js';
export { SettingInIncludedFileError } from './setting-in-included-file-error.js';
export { SettingInAutoConfError } from './setting-in-auto-conf-error.js';
export { ConfigFileChangedError } from './config-file-changed-error.js';
export { ConfigEncodingError } from './config-encoding-error.js';
export type { ConfigEncoding } from './config-encoding.js';
export {
  parseQuantity,
  parseMemory,
  parseTime,
  parseBoolean,
  formatMemory,
  formatTime,
  formatBoolean,
  type Quantity,
  type MemoryUnit,
  type TimeUnit,
} from './config-units.js';
