// Patroni reads its configuration with PyYAML (YAML 1.1): that reader is the oracle for what
// patroniConfig writes. Tricky passwords and settings must come back exactly as given.
import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { buildPatroniConfig, patroniConfig, type PatroniConfigOptions } from '../../src/ha/index.js';
import { haSuiteName, hasHaPrograms } from './ha-helpers.js';

const tricky = ['yes', 'on', 'Off', 'y', 'n', '12:30', '=', '<<', '2001-12-14', '0x1F', '017', '1_000', '.inf', 'null', '~', '# hash', "it's: \"q\"", '  spaced  ', '- dash', '{a}', '[b]', '*star', '&amp', '!tag', '%pct', '@at', '`tick`', 'é ✓'];

describe.skipIf(!hasHaPrograms)(haSuiteName("patroniConfig as Patroni's PyYAML reads it"), () => {
  it('reads back every value as given', async () => {
    for (const password of tricky) {
      const options: PatroniConfigOptions = {
        scope: 'orders',
        name: 'db1',
        dcs: { etcd3: { hosts: ['10.0.0.5:2379'] } },
        dataDirectory: '/var/lib/pg/orders',
        listen: '0.0.0.0:5432',
        connectAddress: 'db1:5432',
        restApi: { listen: '0.0.0.0:8008', connectAddress: 'db1:8008', auth: { username: 'patroni', password } },
        superuser: { password },
        replication: { password: `${password}2` },
        settings: { log_line_prefix: password, max_connections: 100, log_connections: true },
      };
      const child = execFile('/usr/bin/python3', ['-c', 'import json, sys, yaml; print(json.dumps(yaml.safe_load(sys.stdin.read())))'], { encoding: 'utf8' });
      const output = new Promise<string>((resolve, reject) => {
        let text = '';
        child.stdout!.on('data', (chunk: string) => (text += chunk));
        child.on('error', reject);
        child.on('close', (code) => (code === 0 ? resolve(text) : reject(new Error(`python3 exited ${code}`))));
      });
      child.stdin!.end(patroniConfig(options));
      expect(JSON.parse(await output), password).toEqual(buildPatroniConfig(options));
    }
  });
});
