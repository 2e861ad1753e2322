// With ssl = on, hostssl rules carry no warning in pg_hba_file_rules: the SSL rows of the corpus
// are compared again on a PostgreSQL 15 cluster that has a (throwaway, self-signed) certificate.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HbaFile } from '../../../src/hba/index.js';
import { makeTempDir, startScratchServer, type ScratchServer } from '../../helpers/scratch-server.js';
import { fixtureFiles } from '../../unit/hba/fixtures.js';
import { buildFacts } from './server-facts.js';
import { expectedHbaRows } from './view-rows.js';
import { writeAsServer } from './write-as-server.js';

describe('pg_hba.conf with SSL on, read by PostgreSQL 15 and by HbaFile', () => {
  let server: ScratchServer;
  let certDir: string;
  let hbaPath: string;

  beforeAll(async () => {
    certDir = makeTempDir();
    const key = join(certDir, 'server.key');
    const cert = join(certDir, 'server.crt');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-keyout', key, '-out', cert], { stdio: 'ignore' });
    writeAsServer(key, readFileSync(key, 'utf8'));
    writeAsServer(cert, readFileSync(cert, 'utf8'));
    server = await startScratchServer({ settings: { ssl: 'on', ssl_cert_file: cert, ssl_key_file: key } });
    hbaPath = join(server.dataDir, 'pg_hba.conf');
  });

  afterAll(async () => {
    // stop() removes the whole data directory: no file in it needs restoring first.
    await server?.stop();
    rmSync(certDir, { recursive: true, force: true });
  });

  for (const fixture of fixtureFiles('corpus').filter((f) => ['ssl-gss.conf', 'options.conf', 'option-errors.conf', 'option-values.conf'].includes(f.name))) {
    it(`agrees on ${fixture.name}`, async () => {
      const [ssl] = await server.query<{ ssl: string }>('show ssl');
      expect(ssl!.ssl).toBe('on');
      const facts = await buildFacts(server);
      writeAsServer(hbaPath, fixture.text);
      const rows = await server.query(
        'select line_number, type, database, user_name, address, netmask, auth_method, options, error from pg_hba_file_rules order by line_number',
      );
      const hba = HbaFile.parse(fixture.text, { major: 15, unsupportedMethods: facts.unsupportedMethods });
      expect(expectedHbaRows(hba, { ssl: true, gssEncryption: facts.gssEncryption })).toEqual(rows);
    });
  }
});
