// A cluster whose configuration lives outside its data directory, as Debian keeps it
// (/etc/postgresql/<major>/<name> beside /var/lib/postgresql/<major>/<name>): every part of
// Cluster works on it, and the server itself says which files it read (SHOW config_file,
// hba_file, ident_file, data_directory; pg_file_settings; pg_hba_file_rules).
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { Cluster } from '../../../src/cluster/index.js';
import { ClusterInitializationError, ClusterStartupError } from '../../../src/cluster/index.js';
import { isRoot, quickInit, rejection, systemInstallation, useWorkspaces } from './fixtures.js';

const ws = useWorkspaces();

async function query<T>(socketDir: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ host: socketDir, port: 5432, user: 'postgres', database: 'postgres' });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

describe('a split layout: new Cluster(installation, data, { configDirectory })', () => {
  it('init() puts the configuration in configDirectory; settings, hba, ident, start, reload, stop and drop use it', async () => {
    const w = ws();
    const etc = join(w.root, 'etc', 'main');
    const cluster = new Cluster(systemInstallation(), w.dataDirectory, { configDirectory: etc });
    expect(cluster.configFile).toBe(join(etc, 'postgresql.conf'));
    expect(cluster.configDirectory).toBe(etc);
    await cluster.init(quickInit);
    // As pg_createcluster leaves it: the three files in the config folder, none in the data directory.
    for (const name of ['postgresql.conf', 'pg_hba.conf', 'pg_ident.conf']) {
      expect(existsSync(join(etc, name)), name).toBe(true);
      expect(existsSync(join(w.dataDirectory, name)), name).toBe(false);
    }
    expect(await cluster.initialized()).toBe(true);
    expect(await cluster.settings.get('data_directory')).toBe(w.dataDirectory);
    expect(await cluster.hbaFile()).toBe(join(etc, 'pg_hba.conf'));
    expect(await cluster.identFile()).toBe(join(etc, 'pg_ident.conf'));
    // The data-directory view of the same folder sees no configuration.
    expect(await new Cluster(systemInstallation(), w.dataDirectory).initialized()).toBe(false);

    await cluster.settings.update({ work_mem: '7MB' });
    expect(readFileSync(join(etc, 'postgresql.conf'), 'utf8')).toMatch(/^work_mem = '?7MB'?/m);
    const hba = await cluster.hba();
    hba.insert(0, { type: 'local', database: ['splitdb'], user: ['all'], method: 'reject' });
    await hba.save();
    const ident = await cluster.ident();
    ident.append({ map: 'splitmap', systemUser: 'nobody', pgUser: 'nobody' });
    await ident.save();

    try {
      await cluster.start({ settings: w.settings });
      const [files] = await query<Record<string, string>>(
        w.socketDir,
        "SELECT current_setting('config_file') AS config_file, current_setting('hba_file') AS hba_file, current_setting('ident_file') AS ident_file, current_setting('data_directory') AS data_directory, current_setting('work_mem') AS work_mem",
      );
      expect(files).toEqual({ config_file: join(etc, 'postgresql.conf'), hba_file: join(etc, 'pg_hba.conf'), ident_file: join(etc, 'pg_ident.conf'), data_directory: w.dataDirectory, work_mem: '7MB' });
      const rules = await query<{ database: string[] }>(w.socketDir, "SELECT database FROM pg_hba_file_rules WHERE 'splitdb' = ANY(database)");
      expect(rules).toHaveLength(1);
      const maps = await query<{ map_name: string }>(w.socketDir, "SELECT map_name FROM pg_ident_file_mappings WHERE map_name = 'splitmap'");
      expect(maps).toHaveLength(1);

      // An edit and a reload: the server takes it from the config folder's file.
      await cluster.settings.update({ work_mem: '9MB' });
      const reload = await cluster.reload();
      expect(reload).toMatchObject({ checked: true, errors: [], pendingRestart: [] });
      const [after] = await query<{ work_mem: string; sourcefile: string }>(w.socketDir, "SELECT setting AS work_mem, sourcefile FROM pg_settings WHERE name = 'work_mem'");
      expect(after).toEqual({ work_mem: '9216', sourcefile: join(etc, 'postgresql.conf') });
      expect((await cluster.stop({ mode: 'fast' })).stopped).toBe(true);

      // A fresh object finds the same server state and restarts it (as another process would).
      const again = new Cluster(systemInstallation(), w.dataDirectory, { configDirectory: etc });
      await again.start({ settings: w.settings });
      expect((await again.stop({ mode: 'fast' })).stopped).toBe(true);
    } finally {
      await cluster.stop({ mode: 'immediate' }).catch(() => undefined);
    }

    // drop() removes the data directory and keeps the configuration unless asked.
    const dropped = await cluster.drop();
    expect(dropped.removed).toContain(w.dataDirectory);
    expect(dropped.kept).toEqual([{ path: etc, reason: 'configuration', link: null }]);
    expect(existsSync(join(etc, 'postgresql.conf'))).toBe(true);
    const removed = await cluster.drop({ removeConfiguration: true });
    expect(removed.removed).toEqual([etc]);
    expect(existsSync(etc)).toBe(false);
  });

  it('init() refuses (CONFIG_FILE_EXISTS) a config folder that already holds a postgresql.conf, and makes no data directory', async () => {
    const w = ws();
    const etc = join(w.root, 'etc');
    const first = new Cluster(systemInstallation(), join(w.root, 'one'), { configDirectory: etc });
    await first.init(quickInit);
    const second = new Cluster(systemInstallation(), w.dataDirectory, { configDirectory: etc });
    const error = await rejection(second.init(quickInit));
    expect(error).toBeInstanceOf(ClusterInitializationError);
    expect(error).toMatchObject({ code: 'CONFIG_FILE_EXISTS', path: join(etc, 'postgresql.conf') });
    expect(existsSync(w.dataDirectory)).toBe(false);
  });
});

describe('a split layout made by hand: { configFile, hbaFile, identFile }', () => {
  it('the server reads the given files, though postgresql.conf names none of them', async () => {
    const w = ws();
    await w.cluster.init(quickInit);
    const etc = w.root; // the server user's folder: the files move out of the data directory
    for (const name of ['postgresql.conf', 'pg_hba.conf', 'pg_ident.conf']) renameSync(join(w.dataDirectory, name), join(etc, `moved-${name}`));
    const cluster = new Cluster(systemInstallation(), w.dataDirectory, {
      configFile: join(etc, 'moved-postgresql.conf'),
      hbaFile: join(etc, 'moved-pg_hba.conf'),
      identFile: join(etc, 'moved-pg_ident.conf'),
      superuser: 'postgres', // for reload()'s check: init() named it, and this is another object
    });
    expect(await cluster.initialized()).toBe(true);
    expect(await cluster.settings.get('data_directory')).toBeUndefined();
    try {
      await cluster.start({ settings: w.settings });
      const [files] = await query<Record<string, string>>(w.socketDir, "SELECT current_setting('config_file') AS c, current_setting('hba_file') AS h, current_setting('ident_file') AS i, current_setting('data_directory') AS d");
      expect(files).toEqual({ c: join(etc, 'moved-postgresql.conf'), h: join(etc, 'moved-pg_hba.conf'), i: join(etc, 'moved-pg_ident.conf'), d: w.dataDirectory });
      expect(await cluster.reload()).toMatchObject({ checked: true, errors: [] });
    } finally {
      await cluster.stop({ mode: 'fast' });
    }
    // The files given one by one are not removed by drop() without removeConfiguration.
    const dropped = await cluster.drop();
    expect(dropped.kept.map((entry) => entry.path).sort()).toEqual(['moved-pg_hba.conf', 'moved-pg_ident.conf', 'moved-postgresql.conf'].map((name) => join(etc, name)));
  });

  it("a postgresql.conf whose data_directory names another directory: DATA_DIRECTORY_MISMATCH, nothing started", async () => {
    const w = ws();
    await w.cluster.init(quickInit);
    const conf = join(w.dataDirectory, 'postgresql.conf');
    writeFileSync(conf, `${readFileSync(conf, 'utf8')}\ndata_directory = '/var/lib/postgresql/15/elsewhere'\n`);
    const error = await rejection(w.cluster.start({ settings: w.settings }));
    expect(error).toBeInstanceOf(ClusterStartupError);
    expect(error.code).toBe('DATA_DIRECTORY_MISMATCH');
    expect(error.message).toContain('/var/lib/postgresql/15/elsewhere');
    expect(await w.cluster.running()).toBe(false);
  });

  it('a configDirectory without postgresql.conf: initialized() is false and start() is NOT_INITIALIZED', async () => {
    const w = ws();
    await w.cluster.init(quickInit);
    const cluster = new Cluster(systemInstallation(), w.dataDirectory, { configDirectory: join(w.root, 'nowhere') });
    expect(await cluster.initialized()).toBe(false);
    const error = await rejection(cluster.start({ settings: w.settings }));
    expect(error).toMatchObject({ code: 'NOT_INITIALIZED' });
    expect(error.message).toContain(join(w.root, 'nowhere', 'postgresql.conf'));
  });
});

it.skipIf(!isRoot)('as root: the config folder init() makes is the server user\'s, its parents stay root\'s', async () => {
  const { statSync } = await import('node:fs');
  const w = ws();
  const etc = join(w.root, 'etc', 'main');
  const cluster = new Cluster(systemInstallation(), w.dataDirectory, { configDirectory: etc });
  await cluster.init(quickInit);
  const postgresUid = statSync(w.dataDirectory).uid;
  expect(statSync(etc).uid).toBe(postgresUid);
  expect(statSync(join(etc, 'postgresql.conf')).uid).toBe(postgresUid);
  expect(statSync(join(w.root, 'etc')).uid).toBe(0);
});
