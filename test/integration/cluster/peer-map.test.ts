// writePeerMap, the step of init() that gives initdb's pg_hba.conf and pg_ident.conf the peer
// map, on real files: the map lines and `map=` options, owner and mode kept, and (DESIGN
// principle 8) a link planted in the data directory is not followed.
import { chmodSync, lstatSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HbaFile, IdentFile } from '../../../src/hba/index.js';
import { writePeerMap } from '../../../src/cluster/peer-map.js';

const hbaText = ['# TYPE  DATABASE        USER            ADDRESS                 METHOD', '', 'local   all             all                                     peer', 'host    all             all             127.0.0.1/32            reject', 'local   replication     all                                     peer', ''].join('\n');
const identText = '# MAPNAME       SYSTEM-USERNAME         PG-USERNAME\n';
const options = { map: 'pg_cluster', superuser: 'postgres', systemUsers: ['root', 'root', 'postgres'], major: 15 };
let folder: string;
afterEach(() => rmSync(folder, { recursive: true, force: true }));

describe('writePeerMap', () => {
  it('names the map on every local peer rule and maps each OS user once to the superuser, keeping mode', async () => {
    folder = mkdtempSync('/tmp/pgct-peermap-');
    const hba = join(folder, 'pg_hba.conf');
    const ident = join(folder, 'pg_ident.conf');
    writeFileSync(hba, hbaText, { mode: 0o640 });
    writeFileSync(ident, identText, { mode: 0o640 });
    chmodSync(hba, 0o640);
    await writePeerMap(hba, ident, options);
    const rules = (await HbaFile.load(hba, { major: 15 })).rules().map((r) => [r.type, r.method, r.options]);
    expect(rules).toEqual([['local', 'peer', { map: 'pg_cluster' }], ['host', 'reject', {}], ['local', 'peer', { map: 'pg_cluster' }]]);
    expect((await IdentFile.load(ident, { major: 15 })).mappings().map((m) => [m.map, m.systemUser, m.pgUser])).toEqual([['pg_cluster', 'root', 'postgres'], ['pg_cluster', 'postgres', 'postgres']]);
    expect(statSync(hba).mode & 0o777).toBe(0o640);
    // Only the lines concerned changed.
    expect(readFileSync(hba, 'utf8').split('\n')[3]).toBe('host    all             all             127.0.0.1/32            reject');
  });

  it('refuses to follow a symbolic link planted as pg_hba.conf (AUTH_FILE_NOT_REGULAR): the target is untouched', async () => {
    folder = mkdtempSync('/tmp/pgct-peermap-');
    const target = join(folder, 'root-owned-target');
    writeFileSync(target, 'precious\n', { mode: 0o600 });
    const hba = join(folder, 'pg_hba.conf');
    const ident = join(folder, 'pg_ident.conf');
    symlinkSync(target, hba);
    writeFileSync(ident, identText);
    await expect(writePeerMap(hba, ident, options)).rejects.toMatchObject({ name: 'ClusterInitializationError', code: 'AUTH_FILE_NOT_REGULAR', path: hba });
    expect(readFileSync(target, 'utf8')).toBe('precious\n');
    expect(lstatSync(hba).isSymbolicLink()).toBe(true);
    // Nothing was written to pg_ident.conf either: the check comes before any write.
    expect(readFileSync(ident, 'utf8')).toBe(identText);
  });
});
