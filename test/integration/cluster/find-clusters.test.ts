// findClusters() over a file-system image (`root`) laid out as each packaging lays its clusters
// out, each holding a real data directory (one initdb, copied), plus this machine's own Debian
// cluster where one is there. And Cluster.fromFound() on one of them, started and stopped.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Cluster,
  ClusterNotInitializedError,
  findClusters,
  installationForDataDirectory,
  InstallationNotFoundError,
  type FoundCluster,
} from '../../../src/index.js';
import { makeTempDir } from '../../helpers/scratch-server.js';
import { freePort, isRoot, quickInit, rejection, systemInstallation } from './fixtures.js';

let img: string;
let template: string;
const home = () => join(img, 'home');
const xdg = () => join(img, 'xdg');
const places = () => ({
  rhel: join(img, 'var/lib/pgsql/15/data'),
  homebrew: join(img, 'opt/homebrew/var/postgresql@15'),
  app: join(home(), 'Library/Application Support/Postgres/var-15'),
  ours: join(xdg(), 'pg-cluster/clusters/app'),
  given: join(img, 'given/data'),
  debianData: join(img, 'var/lib/postgresql/15/imgmain'),
  debianConf: join(img, 'etc/postgresql/15/imgmain'),
});

function copyCluster(to: string): void {
  mkdirSync(join(to, '..'), { recursive: true });
  execFileSync('cp', ['-a', template, to]);
}

beforeAll(async () => {
  img = makeTempDir();
  template = join(img, 'template');
  await new Cluster(systemInstallation(), template).init(quickInit);
  const p = places();
  for (const path of [p.rhel, p.homebrew, p.app, p.ours, p.given, p.debianData]) copyCluster(path);
  // Not clusters: a Homebrew folder without PG_VERSION, a file among pg-cluster's clusters (a log).
  mkdirSync(join(img, 'usr/local/var/postgres-notes'), { recursive: true });
  writeFileSync(join(xdg(), 'pg-cluster/clusters/app.log'), '');
  // A Debian cluster in the image: its configuration in etc/postgresql, start.conf `manual`.
  mkdirSync(p.debianConf, { recursive: true });
  execFileSync('mv', [join(p.debianData, 'postgresql.conf'), join(p.debianConf, 'postgresql.conf')]);
  writeFileSync(join(p.debianConf, 'postgresql.conf'), `data_directory = '${p.debianData}'\nport = 5499\n`, { flag: 'a' });
  writeFileSync(join(p.debianConf, 'start.conf'), 'manual\n');
  writeFileSync(join(p.debianConf, 'environment'), "TZ = 'UTC'\n");
  writeFileSync(join(p.debianConf, 'pg_ctl.conf'), "pg_ctl_options = '-t 30'\n");
}, 60_000);
afterAll(() => {
  if (img !== undefined) execFileSync('rm', ['-rf', img]);
});

async function inImage(extra: { data?: string[] } = {}): Promise<FoundCluster[]> {
  return findClusters({ root: img, home: home(), env: { XDG_DATA_HOME: xdg() }, debianConfigRoot: join(img, 'etc/postgresql'), ...extra });
}

describe('findClusters() in a file-system image', () => {
  it('finds each packaging\'s cluster once, with its installation, owner, port and status', async () => {
    const p = places();
    const found = await inImage({ data: [p.given, p.rhel] });
    expect(found.map((cluster) => [cluster.source, cluster.dataDirectory, cluster.name])).toEqual([
      ['debian', p.debianData, 'imgmain'],
      ['rhel', p.rhel, null],
      ['homebrew', p.homebrew, null],
      ['postgres.app', p.app, null],
      ['pg-cluster', p.ours, 'app'],
      ['given', p.given, null], // p.rhel was given too: listed once, as rhel
    ]);
    const owner = execFileSync('stat', ['-c', '%U', template], { encoding: 'utf8' }).trim();
    for (const cluster of found) {
      expect(cluster, cluster.source).toMatchObject({ major: 15, owner, status: 'down', pid: null, recovery: false, problems: [] });
      expect(cluster.installation?.versionInfo.major, cluster.source).toBe(15);
    }
    const bySource = Object.fromEntries(found.map((cluster) => [cluster.source, cluster]));
    expect(bySource['debian']).toMatchObject({
      configDirectory: p.debianConf,
      configFile: join(p.debianConf, 'postgresql.conf'),
      port: 5499,
      socketDirectory: '/var/run/postgresql',
      logFile: join(img, 'var/log/postgresql/postgresql-15-imgmain.log'),
      debian: { version: '15', name: 'imgmain', start: 'manual', environment: { TZ: 'UTC' }, pgCtlOptions: { timeout: 30_000 } },
    });
    expect(bySource['rhel']).toMatchObject({ configDirectory: null, configFile: join(p.rhel, 'postgresql.conf'), port: 5432, logFile: null, debian: null });
    expect(bySource['homebrew']).toMatchObject({ logFile: join(img, 'opt/homebrew/var/log/postgresql@15.log'), socketDirectory: '/tmp' });
    expect(bySource['pg-cluster']).toMatchObject({ logFile: `${p.ours}.log` });
  });

  it('sources picks the places looked at', async () => {
    expect((await findClusters({ root: img, home: home(), env: {}, sources: ['homebrew'] })).map((cluster) => cluster.source)).toEqual(['homebrew']);
  });

  it('a given path that is no directory: ClusterNotInitializedError; a given folder without PG_VERSION is listed with the problem', async () => {
    const error = await rejection(inImage({ data: [join(img, 'nothing-here')] }));
    expect(error).toBeInstanceOf(ClusterNotInitializedError);
    const [notes] = await findClusters({ root: img, sources: [], data: [join(img, 'usr/local/var/postgres-notes')] });
    expect(notes).toMatchObject({ source: 'given', major: null, installation: null, status: 'down' });
    expect(notes!.problems.join('\n')).toMatch(/holds no PG_VERSION: not a data directory/);
  });

  it('a running server is online with its pid and port; Cluster.fromFound() drives it', async () => {
    const p = places();
    const [found] = await findClusters({ root: img, sources: ['rhel'] });
    const cluster = await Cluster.fromFound(found!);
    expect(cluster.dataDirectory).toBe(p.rhel);
    const port = await freePort();
    try {
      const { pid } = await cluster.start({ settings: { listen_addresses: '', unix_socket_directories: join(img, 'sock'), port } });
      const [online] = await findClusters({ root: img, sources: ['rhel'] });
      expect(online).toMatchObject({ status: 'online', pid, port, socketDirectory: join(img, 'sock') });
    } finally {
      await cluster.stop({ mode: 'fast' });
    }
    expect((await findClusters({ root: img, sources: ['rhel'] }))[0]).toMatchObject({ status: 'down', pid: null });
  });
});

describe('installationForDataDirectory', () => {
  it('the installation whose major is PG_VERSION\'s', async () => {
    expect((await installationForDataDirectory(places().rhel)).versionInfo.major).toBe(15);
  });

  it('no installation of that major: InstallationNotFoundError with the major; no PG_VERSION: ClusterNotInitializedError', async () => {
    const old = join(img, 'old');
    mkdirSync(old, { recursive: true });
    writeFileSync(join(old, 'PG_VERSION'), '9.6\n');
    const error = await rejection(installationForDataDirectory(old));
    expect(error).toBeInstanceOf(InstallationNotFoundError);
    expect(error.major).toBe(9);
    expect(await rejection(installationForDataDirectory(join(img, 'usr/local/var/postgres-notes')))).toBeInstanceOf(ClusterNotInitializedError);
  });
});

describe.skipIf(isRoot || !existsSync('/etc/postgresql/15/main/postgresql.conf'))('as a normal user (not root: root reads every data directory)', () => {
  it("this machine's Debian cluster: listed from /etc, its data directory unreadable, said so in problems", async () => {
    const main = (await findClusters({ sources: ['debian'] })).find((cluster) => cluster.name === 'main' && cluster.major === 15);
    expect(main).toMatchObject({ source: 'debian', dataDirectory: '/var/lib/postgresql/15/main', owner: 'postgres', configDirectory: '/etc/postgresql/15/main' });
    expect(main!.problems.join('\n')).toMatch(/cannot be read by this user \(EACCES\)/);
  });
});
