import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defaultInstallation, patroniConfig } from '../../../../src/index.js';

// One file per host; on each host: `patroni /etc/patroni/orders.yml` (see the systemd unit below).
const installation = await defaultInstallation();
const secrets = { superuser: 'change me 1', replication: 'change me 2', rewind: 'change me 3', rest: 'change me 4' };
const folder = await mkdtemp('/tmp/pgct-example-');
try {
  for (const host of ['db1', 'db2', 'db3']) {
    const yaml = patroniConfig({
      scope: 'orders',
      name: host,
      dcs: { etcd3: { hosts: ['10.0.0.5:2379', '10.0.0.6:2379', '10.0.0.7:2379'] } },
      installation,
      dataDirectory: '/var/lib/postgresql/15/orders',
      listen: '0.0.0.0:5432',
      connectAddress: `${host}:5432`,
      restApi: { listen: '0.0.0.0:8008', connectAddress: `${host}:8008`, auth: { username: 'patroni', password: secrets.rest } },
      synchronous: true,
      superuser: { password: secrets.superuser },
      replication: { password: secrets.replication },
      rewind: { password: secrets.rewind },
      settings: { max_connections: 200, shared_buffers: '1GB' },
      hba: [
        'local all all peer',
        'host replication replicator 10.0.0.0/24 scram-sha-256',
        'host all all 10.0.0.0/24 scram-sha-256',
      ],
    });
    // It holds the passwords: mode 0600, owned by the user Patroni runs as.
    await writeFile(join(folder, `${host}.yml`), yaml, { mode: 0o600 });
  }
  const db2 = await readFile(join(folder, 'db2.yml'), 'utf8');
  console.log(db2.includes('connect_address: "db2:5432"'), db2.includes('synchronous_mode: true'));
} finally {
  await rm(folder, { recursive: true });
}
