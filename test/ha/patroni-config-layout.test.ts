// patroniConfig's output for a 3-host layout, checked by running it: three "hosts" are the
// loopback addresses 127.0.0.11, .12 and .13 (Linux answers on all of 127/8), each member on the
// same PostgreSQL and REST ports, as real hosts would be, with Patroni's default timings and the
// default pg_hba lines (`samenet` lets the members and clients in). The files pass
// `patroni --validate-config` as they are, then run as Patroni members with an etcd of ours.
import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ensureOwned, isRoot, removeTree, resolveRunAs, userCommand } from '../../src/control/index.js';
import { writeFileAtomic } from '../../src/fs/atomic-write.js';
import { EtcdServer } from '../../src/ha/etcd-server.js';
import { DEFAULT_HA_PROGRAMS, patroniConfig } from '../../src/ha/index.js';
import { PatroniMember } from '../../src/ha/patroni-member.js';
import { defaultInstallation } from '../../src/installation/index.js';
import { findFreePort } from '../../src/throwaway/free-port.js';
import { haSuiteName, hasHaPrograms, makeHaDirectory, query, until } from './ha-helpers.js';

const run = promisify(execFile);
const hosts = ['127.0.0.11', '127.0.0.12', '127.0.0.13'];

describe.skipIf(!hasHaPrograms)(haSuiteName('patroniConfig: a 3-host layout, started on 127.0.0.11-13'), () => {
  let scratch: ReturnType<typeof makeHaDirectory>;
  let etcd: EtcdServer | null = null;
  const members: PatroniMember[] = [];
  beforeAll(() => {
    scratch = makeHaDirectory();
  });
  afterAll(async () => {
    await Promise.all(members.map((member) => member.stop()));
    await etcd?.stop();
    await removeTree(join(scratch.path, 'orders')).catch(() => undefined);
    scratch?.remove();
  });

  it('the generated files validate and run: one leader, two streaming replicas, clients in through the default hba', async () => {
    const user = await resolveRunAs(undefined);
    const installation = await defaultInstallation();
    const root = join(scratch.path, 'orders');
    await ensureOwned(root, user, { mode: 0o700 });
    etcd = await EtcdServer.start({ etcd: DEFAULT_HA_PROGRAMS.etcd, folder: join(root, 'etcd'), user, name: 'orders' });
    const port = await findFreePort({ hosts });
    const restPort = await findFreePort({ hosts, exclude: new Set([port]) });
    const superuser = { password: 'super secret: "quoted" # not a comment' };
    const auth = { username: 'patroni', password: 'rest-secret' };
    for (const [index, host] of hosts.entries()) {
      const name = `db${index + 1}`;
      const folder = join(root, name);
      await ensureOwned(folder, user, { mode: 0o700 });
      const text = patroniConfig({
        scope: 'orders',
        name,
        dcs: { etcd3: { hosts: [etcd.host] } },
        installation,
        dataDirectory: join(folder, 'data'),
        listen: `${host}:${port}`,
        connectAddress: `${host}:${port}`,
        restApi: { listen: `${host}:${restPort}`, connectAddress: `${host}:${restPort}`, auth },
        synchronous: true,
        superuser,
        replication: { password: 'repl-secret' },
        rewind: { password: 'rewind-secret' },
        socketDirectory: folder,
      });
      expect(parse(text)).toMatchObject({ name, postgresql: { listen: `${host}:${port}`, authentication: { superuser } } });
      const file = join(root, `${name}.yml`);
      await writeFileAtomic(file, text, { mode: 0o600, ...(user !== null && isRoot() ? { uid: user.uid, gid: user.gid } : {}) });
      expect(statSync(file).mode & 0o777).toBe(0o600);
      // Patroni's own validator, on the file as it is (nothing filtered), as the server's user.
      const validate = userCommand(DEFAULT_HA_PROGRAMS.patroni, ['--validate-config', file], user);
      const result = await run(validate.file, validate.args, { cwd: folder }).catch((error: { stderr?: string; code?: number }) => error);
      expect({ code: (result as { code?: number }).code ?? 0, stderr: (result as { stderr?: string }).stderr ?? '' }).toEqual({ code: 0, stderr: '' });
      members.push(new PatroniMember({ name, folder, dataDirectory: join(folder, 'data'), configFile: file, host, port, restPort, user, programs: DEFAULT_HA_PROGRAMS, auth }));
    }
    for (const member of members) await member.start();

    const state = await until(
      'one leader and two streaming replicas',
      async () => {
        for (const member of members) await member.assertRunning();
        const { members: listed } = await members[0]!.client.cluster();
        const leader = listed.find((entry) => entry.role === 'leader' && entry.state === 'running');
        const replicas = listed.filter((entry) => entry !== leader && entry.state === 'running' && typeof entry.lag === 'number');
        return leader !== undefined && replicas.length === 2 && replicas.some((entry) => entry.role === 'sync_standby') ? { leader, replicas } : null;
      },
      150_000,
      250,
    );
    expect(hosts).toContain(state.leader.host);
    expect(state.leader.port).toBe(port);
    const client = (host: string) => ({ host, port, user: 'postgres', password: superuser.password, database: 'postgres' });
    const streaming = await until('both replicas streaming', async () => {
      const rows = await query<{ application_name: string }>(client(state.leader.host!), "SELECT application_name FROM pg_stat_replication WHERE state = 'streaming'");
      return rows.length === 2 ? rows.map((row) => row.application_name).sort() : null;
    });
    expect(streaming).toEqual(state.replicas.map((replica) => replica.name).sort());
    await query(client(state.leader.host!), 'CREATE TABLE layout AS SELECT 42 AS answer');
    for (const replica of state.replicas) {
      expect(await until(`the row on ${replica.name}`, async () => (await query<{ answer: number }>(client(replica.host!), 'SELECT answer FROM layout'))[0]?.answer)).toBe(42);
    }
    // The REST API's write endpoints want the credentials: without them, HTTP 401.
    const response = await fetch(`http://${state.leader.host}:${restPort}/switchover`, { method: 'POST', body: JSON.stringify({ leader: state.leader.name }) });
    expect(response.status).toBe(401);
  });
});
