import pg from 'pg';
import { createHaCluster, serverState } from '../../../../src/index.js';

// Three Patroni members and an etcd, all on 127.0.0.1, owned by this process.
// Short timings for a demo (Patroni's defaults are ttl 30, loop_wait 10, retry_timeout 10).
const ha = await createHaCluster({ members: 3, synchronous: true, ttl: 15, loopWait: 2, retryTimeout: 6 });
try {
  const members = await ha.members();
  console.log(members.map((member) => member.role).sort()); // Patroni's own words

  // node-postgres: the current leader (ask again after a reconnect).
  const client = new pg.Client(ha.connectionInfo().clientConfig({ targetSessionAttrs: 'read-write' }));
  await client.connect();
  await client.query('CREATE TABLE orders (id int PRIMARY KEY)');
  await client.query('INSERT INTO orders VALUES (1)');
  await client.end();

  // The charm's words, from provisioning's serverState.
  const leader = (await ha.leader())!;
  const { user, password, database } = ha.connectionInfo().clientConfig();
  console.log(await serverState({ host: leader.host, port: leader.port, user, password, database }));

  // A planned switchover to the sync standby (the only candidate synchronous mode accepts).
  const standby = members.find((member) => member.role === 'sync_standby')!;
  const newLeader = await ha.switchover({ candidate: standby.name });
  console.log(newLeader.name === standby.name, newLeader.timeline! > leader.timeline!);
} finally {
  await ha.dispose();
}
