// The Cluster options Cluster.fromDebian() builds on, on an ordinary cluster (root or not):
// serverSettings under each start's settings, serverEnvironment in place of ours, beforeControl.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster } from '../../../src/cluster/index.js';
import { quickInit, rejection, systemInstallation, workspace, type Workspace } from './fixtures.js';

let ws: Workspace;
beforeAll(async () => {
  ws = workspace();
  await ws.cluster.init(quickInit);
});
afterAll(async () => {
  await ws?.cleanup();
});

describe('serverSettings, serverEnvironment, beforeControl', () => {
  it('the server gets the settings (a start\'s own win) and only the given environment, plus LC_MESSAGES=C; beforeControl sees start and stop', async () => {
    const actions: string[] = [];
    const cluster = new Cluster(systemInstallation(), ws.dataDirectory, {
      superuser: 'postgres',
      serverSettings: { work_mem: '3MB', statement_timeout: 1234 },
      serverEnvironment: { PGCT_MARK: 'yes' },
      beforeControl: async (action) => {
        actions.push(action);
      },
    });
    try {
      const { pid } = await cluster.start({ settings: { ...ws.settings, statement_timeout: 999 } });
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean);
      expect(environ.sort()).toEqual(['LC_MESSAGES=C', 'PGCT_MARK=yes']);
      const client = await cluster.connect();
      try {
        const { rows } = await client.query("SELECT current_setting('work_mem') AS w, current_setting('statement_timeout') AS s");
        expect(rows).toEqual([{ w: '3MB', s: '999ms' }]);
      } finally {
        await client.end();
      }
      expect((await cluster.address()).socketDirectories).toEqual([ws.socketDir]);
      await cluster.stop({ mode: 'fast' });
      expect(actions).toEqual(['start', 'stop']);
    } finally {
      await cluster.stop({ mode: 'immediate' }).catch(() => undefined);
    }
  });

  it('what beforeControl throws refuses the action: nothing started, nothing stopped', async () => {
    const refusing = new Cluster(systemInstallation(), ws.dataDirectory, {
      beforeControl: async (action) => {
        throw new Error(`no ${action} today`);
      },
    });
    expect((await rejection(refusing.start({ settings: ws.settings }))).message).toBe('no start today');
    expect(await refusing.running()).toBe(false);
    const { pid } = await ws.cluster.start({ settings: ws.settings });
    try {
      expect((await rejection(refusing.stop())).message).toBe('no stop today');
      expect(await ws.cluster.pid()).toBe(pid);
    } finally {
      await ws.cluster.stop({ mode: 'fast' });
    }
  });
});
