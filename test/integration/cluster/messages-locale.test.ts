// Startup failures are classified from the server's untranslated messages, so a server we start
// gets LC_MESSAGES=C in its environment (LC_ALL, which would override it, removed) and
// `-c lc_messages=C`, whatever this process's locale or the configuration file says.
// (Only the C locales are installed here, so a translated message cannot be shown; the test
// checks what the server process was given, and that a file's lc_messages does not win.)
import { appendFileSync, readFileSync } from 'node:fs';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { quickInit, workspace, type Workspace } from './fixtures.js';

let ws: Workspace | undefined;
const saved = { LC_ALL: process.env['LC_ALL'], LANG: process.env['LANG'] };
afterEach(async () => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  await ws?.cleanup();
});

describe('the server speaks C to us', () => {
  it('LC_MESSAGES=C without LC_ALL in its environment, -c lc_messages=C over the file\'s setting', async () => {
    ws = workspace();
    await ws.cluster.init(quickInit);
    appendFileSync(ws.cluster.settings.path, "\nlc_messages = 'C.utf8'\n"); // installed, so valid: an uninstalled one is refused even when overridden
    process.env['LC_ALL'] = 'de_DE.UTF-8';
    process.env['LANG'] = 'de_DE.UTF-8';

    const { pid } = await ws.cluster.start({ settings: ws.settings });
    const environment = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    expect(environment).toContain('LC_MESSAGES=C');
    expect(environment.filter((item) => item.startsWith('LC_ALL='))).toEqual([]);
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    expect(argv.slice(argv.indexOf('lc_messages=C') - 1, argv.indexOf('lc_messages=C') + 1)).toEqual(['-c', 'lc_messages=C']);

    const client = new pg.Client(await ws.cluster.connectionOptions());
    await client.connect();
    try {
      expect((await client.query('show lc_messages')).rows).toEqual([{ lc_messages: 'C' }]);
    } finally {
      await client.end();
    }
  });
});
