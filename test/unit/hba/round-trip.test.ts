import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HbaFile } from '../../../src/hba/index.js';
import { fixtureFiles } from './fixtures.js';

const all = [...fixtureFiles('samples'), ...fixtureFiles('initdb'), ...fixtureFiles('corpus')].filter((f) => !f.name.startsWith('pg_ident'));

describe('HbaFile round trip', () => {
  it('has the fixtures the proof needs', () => {
    const names = all.map((f) => f.name);
    for (const major of [13, 14, 15, 16, 17, 18]) expect(names).toContain(`pg_hba.conf.sample.${major}`);
    for (const major of [13, 14, 15, 16, 17, 18]) {
      for (const variant of ['default', 'trust', 'md5', 'local-peer-host-scram', 'local-trust-host-reject']) {
        expect(names).toContain(`pg_hba.conf.${major}-${variant}`);
      }
    }
    expect(fixtureFiles('corpus').length).toBeGreaterThanOrEqual(20);
  });

  for (const fixture of all) {
    // 14: line continuations; 16: regular expressions and includes; 18: oauth options.
    for (const major of [13, 14, 15, 16, 18]) {
      it(`keeps every byte of ${fixture.name} (read as ${major})`, () => {
        const hba = HbaFile.parse(fixture.text, { major });
        expect(hba.toString()).toBe(fixture.text);
      });
    }
  }

  it('reads the rules initdb writes', () => {
    const file = all.find((f) => f.name === 'pg_hba.conf.15-local-peer-host-scram')!;
    const hba = HbaFile.parse(file.text, { major: 15 });
    expect(hba.diagnostics).toEqual([]);
    expect(hba.rules().map((r) => [r.type, r.database, r.user, r.address, r.method])).toEqual([
      ['local', ['all'], ['all'], undefined, 'peer'],
      ['host', ['all'], ['all'], '127.0.0.1/32', 'scram-sha-256'],
      ['host', ['all'], ['all'], '::1/128', 'scram-sha-256'],
      ['local', ['replication'], ['all'], undefined, 'peer'],
      ['host', ['replication'], ['all'], '127.0.0.1/32', 'scram-sha-256'],
      ['host', ['replication'], ['all'], '::1/128', 'scram-sha-256'],
    ]);
  });

  it('keeps CRLF, tabs, a missing final newline and unparseable lines', () => {
    const text = 'local\tall\tall\ttrust\r\nnonsense here\r\n\thost all all ::1/128 md5';
    const hba = HbaFile.parse(text);
    expect(hba.toString()).toBe(text);
    expect(hba.length).toBe(2);
    expect(hba.diagnostics).toEqual([
      { code: 'HBA_INVALID_LINE', line: 2, column: 1, message: 'invalid connection type "nonsense"', raw: 'nonsense here' },
    ]);
  });

  it('round-trips any text, and a no-op edit keeps it too', () => {
    const alphabet = fc.constantFrom(...' \t\r\n#",\\/+@=.:abclothsrupm0189'.split(''), 'local', 'host', 'all', 'trust', 'md5', '127.0.0.1/32', 'include');
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 80 }), fc.constantFrom(13, 14, 15, 16, 18), (parts, major) => {
        const text = parts.join('');
        const hba = HbaFile.parse(text, { major });
        expect(hba.toString()).toBe(text);
        if (hba.length > 0) {
          hba.set(0, hba.at(0)!);
          expect(hba.toString()).toBe(text);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
