export { patroniConfig, buildPatroniConfig, defaultHba, PATRONI_DEFAULT_TIMINGS, type PatroniConfigOptions, type PatroniDcs, type EtcdDcs, type PatroniCredentials } from './patroni-config.js';
export { createHaCluster, type CreateHaClusterOptions } from './create-ha-cluster.js';
export { HaCluster, type HaMember, type HaWaitOptions, type HaSwitchoverOptions } from './ha-cluster.js';
export { HaConnectionInfo, type HaClientConfig, type HaConnectionOptions, type HaHost } from './ha-connection-info.js';
export { PatroniClient, type PatroniClientOptions, type PatroniClusterMember, type PatroniClusterState } from './patroni-client.js';
export { HaError, type HaErrorCode } from './ha-error.js';
export { HaPackageMissingError } from './ha-package-missing-error.js';
export { PatroniApiError, type PatroniApiErrorCode } from './patroni-api-error.js';
export { DEFAULT_HA_PROGRAMS, type HaPrograms } from './ha-programs.js';
