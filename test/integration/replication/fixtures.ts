// Shared setup for the replication tests: a primary (a throwaway cluster) and standbys in
// folders under /tmp/pgct-*, owned by the server's OS user as root; all stopped and removed after.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Cluster } from '../../../src/cluster/index.js';
import { Installation } from '../../../src/installation/index.js';
import { FileCredentialsStore } from '../../../src/provision/index.js';
import { makeTempDir, npmBindir, systemBindir } from '../../helpers/scratch-server.js';

export const isRoot = process.getuid?.() === 0;

export async function systemInstallation(): Promise<Installation> {
  return Installation.fromBinDir(systemBindir());
}

export async function npmInstallation(major: 13 | 14 | 16 | 17 | 18): Promise<Installation> {
  return Installation.fromBinDir(npmBindir(major));
}

/** A folder for standbys and a credentials store of their own; `cleanup` stops every standby made in it and removes it. */
export function standbyRoot(): { root: string; path(name: string): string; store: FileCredentialsStore; track(cluster: Cluster): Cluster; cleanup(): Promise<void> } {
  const root = makeTempDir();
  const clusters: Cluster[] = [];
  // The store belongs to this process's user, outside the server's folders.
  const storeFolder = join('/tmp', `pgct-store-${process.pid}-${Math.random().toString(36).slice(2)}`);
  return {
    root,
    path: (name) => join(root, name),
    store: new FileCredentialsStore(join(storeFolder, 'credentials.json')),
    track(cluster) {
      clusters.push(cluster);
      return cluster;
    },
    async cleanup() {
      for (const cluster of clusters.splice(0)) await cluster.stop({ mode: 'immediate', timeout: 5_000 }).catch(() => undefined);
      rmSync(root, { recursive: true, force: true });
      rmSync(storeFolder, { recursive: true, force: true });
    },
  };
}
