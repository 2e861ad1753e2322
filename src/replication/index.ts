export { createStandby, type CreateStandbyOptions } from './create-standby.js';
export { replicationStatus, type StandbyStatus } from './replication-status.js';
export { waitForReplay, type WaitForReplayOptions, type ReplayResult } from './wait-for-replay.js';
export { promote, type PromoteOptions, type PromoteResult } from './promote.js';
export { ReplicationError, type ReplicationErrorCode } from './replication-error.js';
export type { ReplicationEvent, ReplicationLog } from './replication-events.js';
export { STANDBY_PASSFILE } from './standby-files.js';
export { parseSynchronousStandbyNames, formatSynchronousStandbyNames, addSynchronousStandby, type SynchronousStandbys } from './synchronous-standby-names.js';
export { parseConninfo } from './primary-conninfo.js';
export { failover, type FailoverOptions } from './failover.js';
export { switchover, type SwitchoverOptions, type SwitchoverResult } from './switchover.js';
export { rejoin, type RejoinOptions, type RejoinResult } from './rejoin.js';
export { watchTopology, type WatchTopologyOptions, type StopWatching } from './watch-topology.js';
export type { TopologyEvent, WatchedNode, TopologyState } from './topology-event.js';
export { FailoverError, type FailoverErrorCode } from './failover-error.js';
export type { ShutdownCheckpoint } from './shutdown-checkpoint.js';
export {
  topologyConnectionInfo, TopologyConnectionInfo, type TargetSessionAttrs, type TopologyNode, type TopologyOptions, type TopologyClientConfigOptions, type TopologyEnv,
} from './topology-connection-info.js';
export { toServerState, isWritableState, type ServerStateWord } from './server-state-words.js';
