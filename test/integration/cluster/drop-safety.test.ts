// drop() and what the server's OS user can change in the data directory (issue 10, items 1, 5
// and 16): as root, the server runs as `postgres`, and the "attacker" acts as that user (what a
// SQL superuser can do through COPY … TO PROGRAM). As a normal user the same steps run as
// that user: there is no boundary then, and drop() must still never follow a link out.
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { CLUSTER_MARKER_FILE, ClusterDropError } from '../../../src/cluster/index.js';
import { makeVictim, runAsServerUser, type Victim } from '../../helpers/server-user.js';
import { quickInit, rejection, useWorkspaces } from './fixtures.js';

const ws = useWorkspaces();
const victims: Victim[] = [];
afterEach(() => {
  for (const victim of victims.splice(0)) victim.cleanup();
});

function victim(): Victim {
  const v = makeVictim();
  victims.push(v);
  return v;
}

describe('drop() never follows a link the server user made', () => {
  it('pg_wal re-pointed by the server user at a folder of ours: the link goes, the folder and its file stay, and the result says so', async () => {
    const target = victim();
    const w = ws();
    await w.cluster.init(quickInit);
    const wal = join(w.dataDirectory, 'pg_wal');
    runAsServerUser('sh', ['-c', 'rm -rf "$1" && ln -s "$2" "$1"', 'sh', wal, target.path]);
    const result = await w.cluster.drop();
    expect(readFileSync(target.file, 'utf8')).toBe('keep me\n');
    expect(existsSync(w.dataDirectory)).toBe(false);
    expect(result.removed).toEqual([w.dataDirectory]);
    expect(result.kept).toEqual([{ path: target.path, link: wal, reason: 'wal-directory-not-ours' }]);
  });

  it('init({ waldir }) and then pg_wal re-pointed: the WAL directory init made is not what pg_wal names now, so only the link goes', async () => {
    const target = victim();
    const w = ws();
    const waldir = join(w.root, 'wal');
    await w.cluster.init({ ...quickInit, waldir });
    const wal = join(w.dataDirectory, 'pg_wal');
    runAsServerUser('ln', ['-sfn', target.path, wal]);
    const result = await w.cluster.drop();
    expect(readFileSync(target.file, 'utf8')).toBe('keep me\n');
    expect(result.kept).toEqual([{ path: target.path, link: wal, reason: 'wal-directory-not-ours' }]);
    expect(existsSync(`${w.dataDirectory}.waldir.json`)).toBe(false);
  });

  it('a legitimate init({ waldir }): drop() removes the data directory and the WAL directory, and says so', async () => {
    const w = ws();
    const waldir = join(w.root, 'wal');
    await w.cluster.init({ ...quickInit, waldir });
    expect(lstatSync(`${w.dataDirectory}.waldir.json`).isFile()).toBe(true);
    const result = await w.cluster.drop();
    expect(result).toEqual({ removed: [w.dataDirectory, waldir], kept: [] });
    expect(existsSync(waldir)).toBe(false);
    expect(existsSync(w.dataDirectory)).toBe(false);
    expect(existsSync(`${w.dataDirectory}.waldir.json`)).toBe(false);
  });

  it('a WAL directory that was there before init (not made by it) is kept: only the link goes', async () => {
    const w = ws();
    const waldir = join(w.root, 'wal');
    runAsServerUser('mkdir', ['-m', '700', waldir]);
    await w.cluster.init({ ...quickInit, waldir });
    const result = await w.cluster.drop();
    expect(result.kept).toEqual([{ path: waldir, link: join(w.dataDirectory, 'pg_wal'), reason: 'wal-directory-not-ours' }]);
    expect(existsSync(waldir)).toBe(true);
  });

  it('pg_tblspc links: a real tablespace and one the server user pointed at a folder of ours are removed as links; both targets stay and are listed', async () => {
    const target = victim();
    const w = ws();
    await w.cluster.init(quickInit);
    const location = join(w.root, 'tablespace');
    runAsServerUser('mkdir', ['-m', '700', location]);
    await w.cluster.start({ settings: w.settings });
    const client = new pg.Client(await w.cluster.connectionOptions());
    await client.connect();
    await client.query(`CREATE TABLESPACE ts LOCATION '${location}'`);
    await client.query('CREATE TABLE kept_here (id int) TABLESPACE ts');
    const { rows } = await client.query<{ oid: string }>("SELECT oid::text FROM pg_tablespace WHERE spcname = 'ts'");
    await client.end();
    const tblspc = join(w.dataDirectory, 'pg_tblspc');
    runAsServerUser('ln', ['-s', target.path, join(tblspc, '99999')]);
    const result = await w.cluster.drop();
    expect(readFileSync(target.file, 'utf8')).toBe('keep me\n');
    expect(readdirSync(location).length).toBeGreaterThan(0); // the tablespace's files are the user's
    expect(result.removed).toContain(w.dataDirectory);
    expect(result.kept).toEqual(
      expect.arrayContaining([
        { path: location, link: join(tblspc, rows[0]!.oid), reason: 'tablespace' },
        { path: target.path, link: join(tblspc, '99999'), reason: 'tablespace' },
      ]),
    );
    expect(result.kept).toHaveLength(2);
  });
});

describe('drop() removes only our clusters (items 5 and 16)', () => {
  it('a regular file: DROP_NOT_A_DIRECTORY, the file intact, also with force', async () => {
    const w = ws();
    writeFileSync(w.dataDirectory, 'precious\n');
    for (const options of [{}, { force: true }]) {
      const error = await rejection(w.cluster.drop(options));
      expect(error).toBeInstanceOf(ClusterDropError);
      expect(error).toMatchObject({ code: 'DROP_NOT_A_DIRECTORY', dataDirectory: w.dataDirectory, path: w.dataDirectory });
      expect(readFileSync(w.dataDirectory, 'utf8')).toBe('precious\n');
    }
  });

  it('a symbolic link to a cluster: DROP_NOT_A_DIRECTORY, the link and the cluster intact', async () => {
    const w = ws();
    await w.cluster.init(quickInit);
    const { Cluster } = await import('../../../src/cluster/index.js');
    const link = join(w.root, 'link');
    symlinkSync(w.dataDirectory, link);
    const error = await rejection(new Cluster(w.cluster.installation, link).drop({ force: true }));
    expect(error).toMatchObject({ name: 'ClusterDropError', code: 'DROP_NOT_A_DIRECTORY' });
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(await w.cluster.initialized()).toBe(true);
  });

  it('a directory with files but no PG_VERSION: DROP_NOT_A_CLUSTER, nothing removed; with force it goes, the log beside it stays', async () => {
    const w = ws();
    mkdirSync(join(w.dataDirectory, 'sub'), { recursive: true });
    writeFileSync(join(w.dataDirectory, 'sub', 'notes.txt'), 'not a cluster\n');
    writeFileSync(w.cluster.logPath, 'someone else\n');
    const error = await rejection(w.cluster.drop());
    expect(error).toMatchObject({ name: 'ClusterDropError', code: 'DROP_NOT_A_CLUSTER', path: join(w.dataDirectory, 'PG_VERSION') });
    expect(readFileSync(join(w.dataDirectory, 'sub', 'notes.txt'), 'utf8')).toBe('not a cluster\n');
    const result = await w.cluster.drop({ force: true });
    expect(existsSync(w.dataDirectory)).toBe(false);
    expect(result).toEqual({ removed: [w.dataDirectory], kept: [{ path: w.cluster.logPath, link: null, reason: 'not-a-cluster-log' }] });
    expect(readFileSync(w.cluster.logPath, 'utf8')).toBe('someone else\n');
  });

  it(`a cluster pg-cluster did not make (PG_VERSION, no ${CLUSTER_MARKER_FILE}): DROP_NOT_OURS, nothing removed; force removes it and its log`, async () => {
    const w = ws();
    await w.cluster.init(quickInit);
    await w.cluster.start({ settings: w.settings });
    await w.cluster.stop({ mode: 'fast' });
    runAsServerUser('rm', [join(w.dataDirectory, CLUSTER_MARKER_FILE)]);
    const error = await rejection(w.cluster.drop());
    expect(error).toMatchObject({ name: 'ClusterDropError', code: 'DROP_NOT_OURS', path: join(w.dataDirectory, CLUSTER_MARKER_FILE) });
    expect(await w.cluster.initialized()).toBe(true);
    expect(existsSync(w.cluster.logPath)).toBe(true);
    const result = await w.cluster.drop({ force: true });
    expect(result).toEqual({ removed: [w.dataDirectory, w.cluster.logPath], kept: [] });
  });

  it('a missing data directory: nothing to do, and an unrelated <path>.log beside it stays', async () => {
    const w = ws();
    writeFileSync(w.cluster.logPath, 'not yours\n');
    const result = await w.cluster.drop();
    expect(readFileSync(w.cluster.logPath, 'utf8')).toBe('not yours\n');
    expect(result).toEqual({ removed: [], kept: [{ path: w.cluster.logPath, link: null, reason: 'not-a-cluster-log' }] });
  });

  it('init() writes the marker: a small file of the data directory\'s owner, mode 0600', async () => {
    const w = ws();
    await w.cluster.init(quickInit);
    const marker = lstatSync(join(w.dataDirectory, CLUSTER_MARKER_FILE));
    expect(marker.isFile()).toBe(true);
    expect(marker.mode & 0o777).toBe(0o600);
    expect(marker.uid).toBe(lstatSync(w.dataDirectory).uid);
    expect(marker.size).toBeLessThan(200);
    expect(JSON.parse(readFileSync(join(w.dataDirectory, CLUSTER_MARKER_FILE), 'utf8'))).toMatchObject({ createdBy: 'pg-cluster' });
  });

  it('force must be a boolean', async () => {
    const w = ws();
    expect(await rejection(w.cluster.drop({ force: 'yes' as unknown as boolean }))).toMatchObject({ code: 'INVALID_ARGUMENT', message: 'Expected `force` to be a boolean, got `yes`' });
  });
});
