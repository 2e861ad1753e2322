import type { Cluster } from '../cluster/cluster.js';
import type { ServerState } from '../provision/server-state.js';
import type { ConnectionInfo, ConnectionParameters } from '../throwaway/connection-info.js';

/** A server watchTopology polls: a Cluster, or superuser credentials of any server. */
export type WatchedNode = Cluster | ConnectionInfo | ConnectionParameters;

/** A node's state in the charm's words, and `down` when it cannot be reached. */
export type TopologyState = ServerState | 'down';

/**
 * What watchTopology reports, in this order within one poll: every `state_changed` (in the order
 * of the nodes given), then `master_changed`, then `standby_changed`. The first poll reports the
 * initial topology as changes from nothing (`previous: null`, an empty `previous` list).
 */
export type TopologyEvent =
  | {
      type: 'state_changed';
      /** The node as given to watchTopology, and its place in that list. */
      node: WatchedNode;
      index: number;
      previous: TopologyState | null;
      state: TopologyState;
      /** For `down`: why it could not be reached. */
      reason?: string;
    }
  | {
      type: 'master_changed';
      /** The node that accepts writes (not in recovery), or null when none does. */
      master: WatchedNode | null;
      previous: WatchedNode | null;
    }
  | {
      type: 'standby_changed';
      /** The nodes that are hot standbys now, in the order given. */
      standbys: WatchedNode[];
      previous: WatchedNode[];
    };
