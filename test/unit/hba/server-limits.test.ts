// The server's buffer limits (MAX_TOKEN before 16, MAX_LINE before 14), as
// test/integration/hba/limits-oracle.test.ts found them on PostgreSQL 13 to 18; here without a
// server, with the edits next to a long line.
import { describe, expect, it } from 'vitest';
import { HbaFile, InvalidHbaRuleError } from '../../../src/hba/index.js';
import { limitCases } from './limit-cases.js';

const hidden = limitCases['a rule after 20,479 bytes of comment']!;

describe('MAX_TOKEN (before 16)', () => {
  it('makes a line with a token of 10,240 bytes invalid on 13 to 15, not on 16', () => {
    for (const major of [13, 14, 15]) {
      const hba = HbaFile.parse(limitCases['a token of 10,240 bytes']!, { major });
      expect(hba.diagnostics).toMatchObject([{ code: 'HBA_INVALID_LINE', line: 1, column: 1, message: 'authentication file token too long' }]);
      expect(hba.length).toBe(1);
      expect(HbaFile.parse(limitCases['a token of 10,239 bytes']!, { major }).diagnostics).toEqual([]);
    }
    expect(HbaFile.parse(limitCases['a token of 10,240 bytes']!, { major: 16 }).diagnostics).toEqual([]);
  });

  it('refuses to write a rule whose token the server would refuse', () => {
    const hba = HbaFile.parse('', { major: 15 });
    expect(() => hba.append({ type: 'local', database: 'x'.repeat(10240), user: 'all', method: 'trust' })).toThrow(InvalidHbaRuleError);
    expect(hba.toString()).toBe('');
    expect(HbaFile.parse('', { major: 16 }).append({ type: 'local', database: 'x'.repeat(10240), user: 'all', method: 'trust' }).database).toEqual(['x'.repeat(10240)]);
  });
});

describe('MAX_LINE (13)', () => {
  it('reads a rule after 20,479 bytes of comment as the server does, numbering the pieces', () => {
    const hba = HbaFile.parse(hidden, { major: 13 });
    expect(hba.toString()).toBe(hidden);
    expect(hba.diagnostics).toMatchObject([{ line: 1, message: 'authentication file line too long' }]);
    expect(hba.rules()).toMatchObject([{ type: 'host', address: '0.0.0.0/0', method: 'trust', line: 2 }, { type: 'local', line: 3 }]);
    // From 14 on the whole line is a comment.
    expect(HbaFile.parse(hidden, { major: 14 }).rules()).toMatchObject([{ type: 'local', line: 2 }]);
  });

  it('inserts above the whole long line, never inside it', () => {
    const hba = HbaFile.parse(hidden, { major: 13 });
    hba.insert(0, { type: 'local', database: 'db1', user: 'u1', method: 'trust' });
    expect(hba.toString()).toBe(`local db1 u1 trust\n${hidden}`);
    expect(hba.rules().map((r) => [r.database, r.line])).toEqual([[['db1'], 1], [['all'], 3], [['all'], 4]]);
    expect(HbaFile.parse(hba.toString(), { major: 13 }).rules()).toEqual(hba.rules());
  });

  it('pops the rule read from the rest of a long line and keeps the rest of the line, read again', () => {
    const hba = HbaFile.parse(hidden, { major: 13 });
    const popped = hba.pop(0);
    expect(popped).toMatchObject({ type: 'host', raw: 'host all all 0.0.0.0/0 trust' });
    expect(hba.toString()).toBe(`#${'x'.repeat(20478)}\nlocal all all trust\n`);
    const again = HbaFile.parse(hba.toString(), { major: 13 });
    expect(hba.rules()).toEqual(again.rules());
    expect(hba.diagnostics).toEqual(again.diagnostics);
  });

  it('refuses to write a rule the server would read in pieces', () => {
    const hba = HbaFile.parse('', { major: 13 });
    const database = ['a', 'b', 'c'].map((c) => c.repeat(8000));
    expect(() => hba.append({ type: 'local', database, user: 'all', method: 'trust' })).toThrow(InvalidHbaRuleError);
    expect(hba.toString()).toBe('');
  });
});
