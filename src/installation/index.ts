export { Installation, type InstallationOptions, type InstallationType, type InstallationPaths, type PgDirectory, type PgExecutable } from './installation.js';
export { pgConfigDictionary, parsePgConfig, type PgConfigDictionary, type PgConfigOptions } from './pg-config.js';
export { parseVersion, compareVersions, versionStates, type VersionInfo, type VersionState } from './version.js';
export { parseConfigureOptions, splitShellWords, type ConfigureOptions } from './configure-options.js';
export { type BinDirOptions } from './bin-dir-layout.js';
export {
  findInstallations,
  searchInstallations,
  sourceRank,
  type DiscoveryFailure,
  type FindInstallationsOptions,
  type FoundInstallation,
  type InstallationRoute,
  type InstallationSearch,
} from './find-installations.js';
export { defaultInstallation, type DefaultInstallationOptions } from './default-installation.js';
export { defaultSearchLocations, type InstallationSource, type SearchLocation } from './search-locations.js';
export { embeddedPostgresPackage } from './npm-packages.js';
export { PgConfigError, type PgConfigErrorCode } from './pg-config-error.js';
export { InstallationInfoError } from './installation-info-error.js';
export { InvalidBinDirError } from './invalid-bin-dir-error.js';
export { InstallationNotFoundError, type UnusableInstallation } from './installation-not-found-error.js';
export { reachableInstallation, type ReachableInstallationOptions } from './reachable-installation.js';
export { describeSettings, parseDescribeConfig, type SettingDescription, type SettingType } from './setting-descriptions.js';
