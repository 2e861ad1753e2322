import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HbaFile, type HbaRuleInput } from '../../../src/hba/index.js';
import { fixtureFiles } from './fixtures.js';

const texts = [...fixtureFiles('samples'), ...fixtureFiles('initdb'), ...fixtureFiles('corpus')]
  .filter((f) => !f.name.startsWith('pg_ident'))
  .map((f) => f.text);

const name = fc.oneof(
  fc.constantFrom('all', 'sameuser', 'samerole', 'replication', '+admins', '"all"', '"+x"', 'app', 'my db', 'a"b', 'x,y', 'h#', '/^a$', 'é', 'tail\\', '@list'),
  // A value starting with / is a regular expression from 16 on, and one the server cannot compile
  // (`/+`) is refused (test/unit/hba/auth-regex.test.ts): random ones start otherwise.
  fc.string({ unit: fc.constantFrom(...'ab \t,#"\\+@/=é'.split('')), minLength: 1, maxLength: 8 }).filter((s) => !s.startsWith('"') && !s.startsWith('/')),
);

const rule: fc.Arbitrary<HbaRuleInput> = fc
  .record({
    type: fc.constantFrom('local', 'host', 'hostssl', 'hostnossl', 'hostgssenc', 'hostnogssenc'),
    database: fc.array(name, { minLength: 1, maxLength: 3 }),
    user: fc.array(name, { minLength: 1, maxLength: 3 }),
    address: fc.constantFrom('127.0.0.1/32', '::1/128', '10.0.0.0/8', 'db.example.com', '.example.com', 'all', 'samenet', '"all"', '127.1'),
    netmask: fc.constantFrom(undefined, '255.255.0.0'),
    method: fc.constantFrom('trust', 'md5', 'scram-sha-256', 'reject', 'password', 'ident'),
    map: fc.option(name, { nil: undefined }),
  })
  .map(({ type, database, user, address, netmask, method, map }) => {
    const r: HbaRuleInput = { type, database, user, method, options: method === 'ident' && map !== undefined ? { map } : {} };
    if (type !== 'local') {
      r.address = address;
      // A plain IP address takes a netmask; with /bits, a netmask is refused (tested elsewhere).
      if (/^[0-9.]+$/.test(address)) r.netmask = netmask ?? '255.255.255.255';
    }
    return r;
  });

describe('HbaFile edits, for any rule in any fixture', () => {
  it('writes text the parser reads back as exactly the rules we hold, keeping every other line', () => {
    fc.assert(
      fc.property(fc.constantFrom(...texts), rule, fc.nat(), fc.constantFrom(15, 18), (text, input, position, major) => {
        const hba = HbaFile.parse(text, { major });
        const before = text.split(/\r?\n/);
        const index = position % (hba.length + 1);
        const added = hba.insert(index, input);
        const after = hba.toString();
        const reread = HbaFile.parse(after, { major });
        expect(reread.rules()).toEqual(hba.rules());
        expect(reread.diagnostics.length).toBe(HbaFile.parse(text, { major }).diagnostics.length);
        expect(reread.at(index)).toEqual(added);
        // A file ending in a continued line gets an empty line to end it first (tested on its own).
        if (/\\\r?\n?$/.test(text) && index === hba.length - 1) return;
        // Removing the added line gives back the original lines.
        const lines = after.split(/\r?\n/);
        lines.splice(added.line - 1, 1);
        expect(lines.join('\n').replace(/\n$/, '')).toBe(before.join('\n').replace(/\n$/, ''));
        // And popping it restores the file byte for byte.
        hba.pop(index);
        expect(hba.toString()).toBe(text);
      }),
      { numRuns: 1500 },
    );
    // CPU-bound: ~5 s on a quiet 2-core machine, more when other work shares it.
  }, 60_000);
});

describe('HbaFile.set, for any rule in any fixture', () => {
  it('changes only the line of the rule it sets, which reads back as the new rule', () => {
    fc.assert(
      fc.property(fc.constantFrom(...texts), rule, fc.nat(), fc.constantFrom(15, 18), (text, input, position, major) => {
        const hba = HbaFile.parse(text, { major });
        if (hba.length === 0) return;
        const index = position % hba.length;
        const old = hba.at(index)!;
        const updated = hba.set(index, input);
        const reread = HbaFile.parse(hba.toString(), { major });
        expect(reread.rules()).toEqual(hba.rules());
        expect(updated.line).toBe(old.line);
        expect(updated.comments).toEqual(old.comments);
        // Every other physical line is as it was.
        const before = text.split('\n');
        const after = hba.toString().split('\n');
        const span = old.raw.split('\n').length;
        expect([...after.slice(0, old.line - 1), ...after.slice(old.line)]).toEqual([...before.slice(0, old.line - 1), ...before.slice(old.line - 1 + span)]);
      }),
      { numRuns: 1000 },
    );
  }, 60_000);
});
