import type { Installation } from '../installation/index.js';
import type { DebianStartMode, PgCtlOptions } from './debian-files.js';

/** Where findClusters() found a cluster. */
export type ClusterSource = 'debian' | 'rhel' | 'homebrew' | 'postgres.app' | 'pg-cluster' | 'given';

/** What postgresql-common keeps about a Debian cluster, read as pg_ctlcluster reads it. */
export interface DebianClusterInfo {
  /** The version folder (`15`). */
  version: string;
  /** The cluster name (`main`). */
  name: string;
  /** start.conf. */
  start: DebianStartMode;
  /** pg_ctl.conf's `pg_ctl_options`, parsed (null when it holds an option pg-cluster cannot honour: see `problems`). */
  pgCtlOptions: PgCtlOptions | null;
  /** The `environment` file: the server's whole environment when pg_ctlcluster starts it (null when it cannot be read). */
  environment: Record<string, string> | null;
  /** postgresql.conf's `external_pid_file`, or the one pg_ctlcluster would pass (`/var/run/postgresql/<version>-<name>.pid`). */
  externalPidFile: string | null;
  /** The systemd unit that runs it (`postgresql@15-main`). */
  unit: string;
  /** The file pg_ctlcluster sends the server's output to (`pg_ctl -l`): the config folder's `log` link, else `/var/log/postgresql/postgresql-<version>-<name>.log`. */
  logFile: string;
}

/** A cluster on this machine, as findClusters() saw it (pg_lsclusters' columns and more). */
export interface FoundCluster {
  source: ClusterSource;
  /** The Debian cluster name or the name of a persistent pg-cluster cluster; null elsewhere. */
  name: string | null;
  /** From PG_VERSION (Debian: the version folder); null when it cannot be read. */
  major: number | null;
  /** The installation whose major matches; null when none is on this machine (see `problems`). */
  installation: Installation | null;
  dataDirectory: string;
  /** The folder of the configuration files when it is not the data directory (Debian's /etc/postgresql/<major>/<name>), else null. */
  configDirectory: string | null;
  /** The postgresql.conf the server reads. */
  configFile: string;
  /** The running server's port, else postgresql.conf's (and postgresql.auto.conf's), else 5432. */
  port: number;
  /** The (first) Unix socket directory: the running server's, else the configured one, else the installation's default; null when unknown or none. */
  socketDirectory: string | null;
  /** The data directory's owner (the OS user the server runs as), by name; null when it cannot be told. */
  owner: string | null;
  ownerUid: number | null;
  /** pg_lsclusters' words. */
  status: 'online' | 'down';
  /** The postmaster's pid when online and it can be told (postmaster.pid, the external pid file), else null. */
  pid: number | null;
  /** Where the server logs, as pg_lsclusters finds it (a strftime pattern under `logging_collector`); null when unknown. */
  logFile: string | null;
  /** A standby (standby.signal or recovery.signal). */
  recovery: boolean;
  /** Set for source `debian`. */
  debian: DebianClusterInfo | null;
  /** What could not be read or found, in words (an unreadable data directory, no installation of its major, …). */
  problems: string[];
}
