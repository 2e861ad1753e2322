import { existsSync, lstatSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { Cluster } from '../../../src/cluster/index.js';
import { npmInstallation, systemInstallation, workspace, type Workspace } from './fixtures.js';

let ws: Workspace;
afterEach(async () => ws?.cleanup());

describe('init options reach initdb', () => {
  it('checksums, WAL segment size, a separate WAL directory, locale and encoding; drop() removes the WAL directory too', async () => {
    ws = workspace(systemInstallation());
    const waldir = join(ws.root, 'wal');
    await ws.cluster.init({ user: 'postgres', authLocal: 'trust', encoding: 'LATIN1', locale: 'C', dataChecksums: true, walSegsize: 1, waldir, noSync: true });
    expect(lstatSync(join(ws.dataDirectory, 'pg_wal')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(ws.dataDirectory, 'pg_wal'))).toBe(waldir);

    const control = await ws.cluster.controlData();
    expect(control.dataChecksumVersion).toBe(1);
    expect(control.fields['Bytes per WAL segment']).toBe(String(1024 * 1024));
    expect(control.state).toBe('shut down');

    await ws.cluster.start({ settings: ws.settings });
    const client = new pg.Client(await ws.cluster.connectionOptions());
    await client.connect();
    const { rows } = await client.query("select pg_encoding_to_char(encoding) as encoding, datcollate from pg_database where datname = 'postgres'");
    await client.end();
    expect(rows).toEqual([{ encoding: 'LATIN1', datcollate: 'C' }]);

    await ws.cluster.drop();
    expect(existsSync(ws.dataDirectory)).toBe(false);
    expect(existsSync(waldir)).toBe(false);
  });

  it('PostgreSQL 18 turns checksums on by default; dataChecksums: false turns them off', async () => {
    ws = workspace(npmInstallation(18));
    await ws.cluster.init({ user: 'postgres', authLocal: 'trust', locale: 'C', noSync: true, dataChecksums: false });
    await ws.cluster.start({ settings: ws.settings });
    const client = new pg.Client(await ws.cluster.connectionOptions());
    await client.connect();
    const { rows } = await client.query('show data_checksums');
    await client.end();
    expect(rows).toEqual([{ data_checksums: 'off' }]);
    await ws.cluster.stop();
    const other = new Cluster(npmInstallation(18), join(ws.root, 'default'));
    await other.init({ user: 'postgres', authLocal: 'trust', locale: 'C', noSync: true });
    await other.start({ settings: ws.settings });
    const second = new pg.Client(await other.connectionOptions());
    await second.connect();
    expect((await second.query('show data_checksums')).rows).toEqual([{ data_checksums: 'on' }]);
    await second.end();
    await other.drop();
  });
});
