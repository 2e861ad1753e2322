import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { Cluster, InitDBError, type ClusterEvent } from '../../../src/cluster/index.js';
import { resolveRunAs } from '../../../src/control/index.js';
import { systemInstallation, workspace, type Workspace } from './fixtures.js';

let ws: Workspace;
afterEach(async () => ws?.cleanup());

describe('a superuser password', () => {
  it('goes through --pwfile (never argv or events), and scram authentication accepts it', async () => {
    const events: ClusterEvent[] = [];
    ws = workspace(undefined, { log: (event) => events.push(event) });
    await ws.cluster.init({ user: 'admin', password: 'pa ss;word', authLocal: 'scram-sha-256', locale: 'C', noSync: true });
    await ws.cluster.start({ settings: ws.settings });

    const options = await ws.cluster.connectionOptions();
    expect(options).toMatchObject({ user: 'admin', password: 'pa ss;word' });
    const client = new pg.Client(options);
    await client.connect();
    expect((await client.query('select current_user as me')).rows).toEqual([{ me: 'admin' }]);
    await client.end();

    const wrong = new pg.Client({ ...options, password: 'nope' });
    wrong.on('error', () => undefined);
    await expect(wrong.connect()).rejects.toThrow(/password authentication failed/);

    const init = events.find((event) => event.type === 'init');
    expect(init).toBeDefined();
    expect(JSON.stringify(events)).not.toContain('pa ss;word');
  });

  it('the file initdb reads is mode 0600, owned by the user initdb runs as, holds the password, and is gone afterwards', async () => {
    ws = workspace();
    // A stand-in initdb that reports what it was given, then fails.
    const report = join(ws.root, 'report');
    const initdb = join(ws.root, 'initdb');
    writeFileSync(
      initdb,
      `#!/bin/sh\nfor arg; do case $arg in --pwfile=*) f=\${arg#--pwfile=}; echo "$f" > ${report}; stat -c '%a %U' "$f" >> ${report}; cat "$f" >> ${report};; esac; done\nexit 1\n`,
    );
    chmodSync(initdb, 0o755);
    const real = systemInstallation();
    const cluster = new Cluster({ ...real, paths: { ...real.paths, initdb } }, ws.dataDirectory);
    const error = await cluster.init({ password: 'sesame' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InitDBError);
    const [path, modeAndOwner, content] = readFileSync(report, 'utf8').split('\n');
    const owner = (await resolveRunAs())?.user ?? userInfo().username;
    expect({ modeAndOwner, content }).toEqual({ modeAndOwner: `600 ${owner}`, content: 'sesame' });
    expect(existsSync(path!)).toBe(false);
    expect((error as InitDBError).args.join(' ')).not.toContain('sesame');
  });
});
