import { accessSync, constants } from 'node:fs';
import { HaPackageMissingError } from './ha-package-missing-error.js';

/** The programs the members run: Debian's, by absolute path (the `python3` first on PATH may lack Patroni's modules). */
export interface HaPrograms {
  patroni: string;
  etcd: string;
  /** The subreaper each Patroni runs under (`tini -s`), so it reaps its own double-forked postmaster. */
  tini: string;
}

export const DEFAULT_HA_PROGRAMS: HaPrograms = { patroni: '/usr/bin/patroni', etcd: '/usr/bin/etcd', tini: '/usr/bin/tini' };

const packages: Record<keyof HaPrograms, [string, string]> = {
  patroni: ['patroni', 'run the cluster members'],
  etcd: ['etcd-server', 'run the DCS (`dcs: "etcd"`)'],
  tini: ['tini', 'run each Patroni under a subreaper that reaps its postmaster'],
};

/** Checks that each named program can be run; HaPackageMissingError names the package of the first that cannot. */
export function checkHaPrograms(programs: HaPrograms, needed: readonly (keyof HaPrograms)[]): void {
  for (const key of needed) {
    try {
      accessSync(programs[key], constants.X_OK);
    } catch {
      const [packageName, purpose] = packages[key];
      throw new HaPackageMissingError(programs[key], packageName, purpose);
    }
  }
}
