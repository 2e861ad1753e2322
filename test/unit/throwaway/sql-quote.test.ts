import { describe, expect, it } from 'vitest';
import { generateDatabaseName } from '../../../src/throwaway/database-name.js';
import { quoteIdentifier, quoteLiteral } from '../../../src/throwaway/sql-quote.js';

describe('quoteIdentifier / quoteLiteral', () => {
  it('quotes identifiers, doubling inner double quotes', () => {
    expect(quoteIdentifier('app')).toBe('"app"');
    expect(quoteIdentifier('we"ird name')).toBe('"we""ird name"');
    expect(() => quoteIdentifier('')).toThrow(/Expected `identifier`/);
    expect(() => quoteIdentifier('a\0b')).toThrow(/NUL/);
  });

  it('quotes literals, with E-strings when there is a backslash', () => {
    expect(quoteLiteral("it's")).toBe("'it''s'");
    expect(quoteLiteral('a\\b')).toBe("E'a\\\\b'");
    expect(quoteLiteral('')).toBe("''");
  });
});

describe('generateDatabaseName', () => {
  it('gives distinct plain identifiers of at most 63 bytes', () => {
    const names = new Set(Array.from({ length: 1000 }, () => generateDatabaseName()));
    expect(names.size).toBe(1000);
    for (const name of names) {
      expect(name).toMatch(/^test_[a-z0-9_]+$/);
      expect(Buffer.byteLength(name)).toBeLessThanOrEqual(63);
    }
    expect(Buffer.byteLength(generateDatabaseName('p'.repeat(30)))).toBeLessThanOrEqual(63);
  });

  it('refuses a prefix that would need quoting', () => {
    expect(() => generateDatabaseName('Bad-Name')).toThrow(/Expected `prefix`/);
  });
});
