import type { Cluster } from '../cluster/cluster.js';
import { readPgControl } from '../control/pg-control.js';
import { FailoverError } from './failover-error.js';

/** A stopped server's last checkpoint, and where it was read from. */
export interface ShutdownCheckpoint {
  /** `Latest checkpoint location`. */
  lsn: string;
  /** `Database cluster state`: `shut down` after a clean shutdown. */
  state: string;
  timeline: number;
  source: 'pg_controldata' | 'pg_control';
}

/**
 * The checkpoint recorded in the cluster's control file: by `pg_controldata` where the
 * installation has it, else by reading `global/pg_control` on this host (layouts of 13–18).
 * FailoverError `CHECKPOINT_UNKNOWN` when neither can.
 */
export async function readShutdownCheckpoint(cluster: Cluster): Promise<ShutdownCheckpoint> {
  if (cluster.installation.paths['pg_controldata']) {
    const data = await cluster.controlData().catch(() => null);
    if (data !== null && data.checkpointLsn !== null && data.state !== null) {
      return { lsn: data.checkpointLsn, state: data.state, timeline: data.timeline ?? 0, source: 'pg_controldata' };
    }
  }
  try {
    const control = await readPgControl(cluster.dataDirectory, cluster.installation.versionInfo.major);
    return { lsn: control.checkpointLsn, state: control.state, timeline: control.timeline, source: 'pg_control' };
  } catch (error) {
    throw new FailoverError(
      'CHECKPOINT_UNKNOWN',
      `The checkpoint of ${cluster.dataDirectory} cannot be read here: no pg_controldata in the installation, and ${(error as Error).message}`,
      { target: cluster.dataDirectory, cause: error },
    );
  }
}
