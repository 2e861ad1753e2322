export { createStandby, type CreateStandbyOptions } from './create-standby.js';
export { replicationStatus, type StandbyStatus } from './replication-status.js';
export { waitForReplay, type WaitForReplayOptions, type ReplayResult } from './wait-for-replay.js';
export { promote, type PromoteOptions, type PromoteResult } from './promote.js';
export { ReplicationError, type ReplicationErrorCode } from './replication-error.js';
export type { ReplicationEvent, ReplicationLog } from './replication-events.js';
export { STANDBY_PASSFILE } from './standby-files.js';
export { parseSynchronousStandbyNames, formatSynchronousStandbyNames, addSynchronousStandby, type SynchronousStandbys } from './synchronous-standby-names.js';
export { parseConninfo } from './primary-conninfo.js';
