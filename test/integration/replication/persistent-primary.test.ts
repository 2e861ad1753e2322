// A persistent Cluster as the primary, its replication settings in postgresql.conf: a restart is
// refused with nothing changed unless restartPrimary, which writes them with ALTER SYSTEM and
// restarts with the command line of its last start.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createStandby, replicationStatus, type ReplicationEvent } from '../../../src/replication/index.js';
import { quickInit, rejection, useWorkspaces } from '../cluster/fixtures.js';
import { standbyRoot, systemInstallation } from './fixtures.js';

const workspace = useWorkspaces();
const space = standbyRoot();
afterEach(async () => space.cleanup());

describe('a persistent primary', () => {
  it('with wal_level = minimal in its file: PRIMARY_RESTART_REQUIRED and nothing changed; with restartPrimary, ALTER SYSTEM and a restart keeping its start settings', async () => {
    const w = workspace(await systemInstallation());
    await w.cluster.init(quickInit);
    await w.cluster.settings.update({ wal_level: 'minimal', max_wal_senders: 0 });
    await w.cluster.start({ settings: w.settings });
    const autoConf = join(w.dataDirectory, 'postgresql.auto.conf');
    const before = readFileSync(autoConf, 'utf8');
    const hba = (await w.cluster.hba()).toString();
    const error = await rejection(createStandby(w.cluster, space.path('b'), { credentials: space.store }));
    expect(error).toMatchObject({ name: 'ReplicationError', code: 'PRIMARY_RESTART_REQUIRED', settings: { wal_level: 'replica', max_wal_senders: '10', wal_log_hints: 'on' } });
    expect(error.message).not.toContain('command line');
    expect(readFileSync(autoConf, 'utf8')).toBe(before);
    expect((await w.cluster.hba()).toString()).toBe(hba);

    const events: ReplicationEvent[] = [];
    const standby = space.track(await createStandby(w.cluster, space.path('b'), { restartPrimary: true, credentials: space.store, log: (e) => events.push(e) }));
    expect(events[0]).toMatchObject({ type: 'primary-restart', settings: { wal_level: 'replica', max_wal_senders: '10', wal_log_hints: 'on' } });
    const auto = readFileSync(autoConf, 'utf8');
    expect(auto).toContain("wal_level = 'replica'");
    expect(auto).toContain("max_wal_senders = '10'");
    // Restarted with the settings of its last start: still on its private socket only, fsync off.
    const client = await w.cluster.connect();
    const { rows } = await client.query("SELECT name, setting, source FROM pg_settings WHERE name IN ('listen_addresses', 'fsync', 'wal_level') ORDER BY name");
    await client.end();
    expect(rows).toEqual([
      { name: 'fsync', setting: 'off', source: 'command line' },
      { name: 'listen_addresses', setting: '', source: 'command line' },
      { name: 'wal_level', setting: 'replica', source: 'configuration file' },
    ]);
    expect((await replicationStatus(w.cluster)).map((s) => [s.name, s.state])).toEqual([['b', 'streaming']]);
    // The standby reaches the socket-only primary through its socket directory.
    const standbyClient = await standby.connect();
    const conninfo = (await standbyClient.query('SHOW primary_conninfo')).rows[0].primary_conninfo as string;
    await standbyClient.end();
    expect(conninfo).toContain(`host=${w.socketDir} `);
  });
});
