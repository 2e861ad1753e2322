// cluster.settings against the server's own view: effective() must name files and lines exactly
// as pg_file_settings does on each major (before 15 the server keeps `..` of a relative include
// as written), hbaFile() must be the file the server reads, and every call reads the file anew.
import { copyFileSync, mkdirSync, writeFileSync, appendFileSync, chownSync, statSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClusterInstallation } from '../../../src/cluster/index.js';
import { npmInstallation, quickInit, systemInstallation, workspace, type Workspace } from './fixtures.js';

const installations: Array<[string, () => ClusterInstallation]> = [
  ['npm 13', () => npmInstallation(13)],
  ['system 15', systemInstallation],
];

async function query<T extends Record<string, unknown>>(ws: Workspace, sql: string): Promise<T[]> {
  const client = new pg.Client(await ws.cluster.connectionOptions());
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

/** Writes a file owned like postgresql.conf (the server's user when root). */
function writeLikeConf(ws: Workspace, path: string, text: string): void {
  writeFileSync(path, text);
  const { uid, gid } = statSync(ws.cluster.settings.path);
  chownSync(path, uid, gid);
}

describe.each(installations)('settings against the server, PostgreSQL %s', (_name, installation) => {
  let ws: Workspace;
  afterEach(async () => ws?.cleanup());

  it('effective() names the file and line of each value as pg_file_settings does; hbaFile() is the server\'s hba_file', async () => {
    ws = workspace(installation());
    const { cluster, dataDirectory } = ws;
    await cluster.init(quickInit);
    const folder = join(dataDirectory, 'conf.d');
    mkdirSync(folder);
    chownSync(folder, statSync(dataDirectory).uid, statSync(dataDirectory).gid);
    writeLikeConf(ws, join(dataDirectory, 'extra.conf'), "work_mem = '6MB'\nhba_file = 'other_hba.conf'\n");
    copyFileSync(join(dataDirectory, 'pg_hba.conf'), join(dataDirectory, 'other_hba.conf'));
    chownSync(join(dataDirectory, 'other_hba.conf'), statSync(dataDirectory).uid, statSync(dataDirectory).gid);
    // A relative include through `..`: PostgreSQL 15+ canonicalizes the name, 13 keeps it as written.
    appendFileSync(cluster.settings.path, "\ninclude 'conf.d/../extra.conf'\n");

    const effective = await cluster.settings.effective();
    expect(await cluster.hbaFile()).toBe(join(dataDirectory, 'other_hba.conf'));

    await cluster.start({ settings: ws.settings });
    const rows = await query<{ sourcefile: string; sourceline: number; name: string; applied: boolean }>(
      ws,
      "select sourcefile, sourceline, name, applied from pg_file_settings where name in ('work_mem', 'hba_file') order by name",
    );
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      const entry = effective.settings.get(row.name);
      expect({ name: row.name, file: entry?.file, line: entry?.line }).toEqual({ name: row.name, file: row.sourcefile, line: row.sourceline });
    }
    const [shown] = await query<{ hba_file: string }>(ws, 'show hba_file');
    expect(await cluster.hbaFile()).toBe(shown?.hba_file);
  });
});

describe('settings read the file on every call', () => {
  let ws: Workspace;
  afterEach(async () => ws?.cleanup());

  it('get, getset, keys and entries see an edit made by someone else at once', async () => {
    ws = workspace();
    await ws.cluster.init(quickInit);
    const { settings } = ws.cluster;
    expect(await settings.get('work_mem')).toBeUndefined();
    appendFileSync(settings.path, "\nwork_mem = '11MB'\n");
    expect(await settings.get('work_mem')).toBe('11MB');
    expect(await settings.getset(['work_mem'])).toEqual({ work_mem: '11MB' });
    expect(await settings.keys()).toContain('work_mem');
    expect(await settings.entries()).toContainEqual(['work_mem', '11MB']);
    appendFileSync(settings.path, "work_mem = '12MB'\n");
    expect(await settings.get('work_mem')).toBe('12MB');
  });
});
