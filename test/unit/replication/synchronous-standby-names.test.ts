import { describe, expect, it } from 'vitest';
import { addSynchronousStandby, formatSynchronousStandbyNames, parseSynchronousStandbyNames } from '../../../src/replication/index.js';

describe('synchronous_standby_names', () => {
  it('reads the forms the server reads', () => {
    expect(parseSynchronousStandbyNames('')).toBeNull();
    expect(parseSynchronousStandbyNames('  ')).toBeNull();
    expect(parseSynchronousStandbyNames('a, b')).toEqual({ method: 'FIRST', count: 1, names: ['a', 'b'] });
    expect(parseSynchronousStandbyNames('2 (a, b, c)')).toEqual({ method: 'FIRST', count: 2, names: ['a', 'b', 'c'] });
    expect(parseSynchronousStandbyNames('any 1 ("x y", "q""uote")')).toEqual({ method: 'ANY', count: 1, names: ['x y', 'q"uote'] });
    expect(parseSynchronousStandbyNames('FIRST 1 (b)')).toEqual({ method: 'FIRST', count: 1, names: ['b'] });
  });

  it('adds a standby: ANY 1 on an empty setting, keeping method and count otherwise; a listed name or * changes nothing', () => {
    expect(addSynchronousStandby('', 'b')).toBe('ANY 1 ("b")');
    expect(addSynchronousStandby('ANY 1 ("b")', 'c')).toBe('ANY 1 ("b", "c")');
    expect(addSynchronousStandby('FIRST 2 (a, b)', 'c')).toBe('FIRST 2 ("a", "b", "c")');
    expect(addSynchronousStandby('a', 'b')).toBe('FIRST 1 ("a", "b")');
    expect(addSynchronousStandby('ANY 1 (b)', 'b')).toBe('ANY 1 (b)');
    expect(addSynchronousStandby('*', 'b')).toBe('*');
    expect(formatSynchronousStandbyNames({ method: 'ANY', count: 2, names: ['a"b'] })).toBe('ANY 2 ("a""b")');
  });
});
