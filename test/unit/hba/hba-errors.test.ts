import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../src/errors.js';
import { HbaFile, HbaIndexError, HbaRuleNotFoundError, InvalidHbaRuleError } from '../../../src/hba/index.js';
import { given } from './edit-shape.js';

const text = '# rules\nlocal all all peer\nhost all all 127.0.0.1/32 md5\n';
const host = { type: 'host', database: 'app', user: 'app', address: '10.0.0.0/8', method: 'md5' };

describe('HbaFile refuses bad input and changes nothing', () => {
  const cases: Array<[string, Record<string, unknown>, Record<string, unknown>]> = [
    ['an unknown type', { ...host, type: 'hots' }, { field: 'type', value: 'hots' }],
    ['an unknown method', { ...host, method: 'md6' }, { field: 'method', value: 'md6' }],
    ['oauth before 18', { ...host, method: 'oauth' }, { field: 'method' }],
    ['an address that is not an IP, CIDR or host name', { ...host, address: '10.0.0.300' }, { field: 'address' }],
    ['an address with spaces', { ...host, address: 'a b' }, { field: 'address' }],
    ['a CIDR mask too long', { ...host, address: '10.0.0.0/33' }, { field: 'address' }],
    ['a host name with a CIDR mask', { ...host, address: 'example.com/24' }, { field: 'address' }],
    ['a missing address', { ...host, address: undefined }, { field: 'address' }],
    ['local with an address', { ...host, type: 'local' }, { field: 'address', value: '10.0.0.0/8' }],
    ['a netmask with a CIDR address', { ...host, netmask: '255.0.0.0' }, { field: 'netmask' }],
    ['a plain IP address without a netmask', { ...host, address: '10.0.0.1' }, { field: 'netmask' }],
    ['a netmask of the other family', { ...host, address: '10.0.0.0', netmask: 'ffff::' }, { field: 'netmask' }],
    ['a token with a newline', { ...host, user: 'a\nb' }, { field: 'user' }],
    ['an option value with a newline', { ...host, method: 'ident', options: { map: 'a\nb' } }, { field: 'options.map' }],
    ['a missing database', { ...host, database: undefined }, { field: 'database' }],
    ['a missing type', { ...host, type: undefined }, { field: 'type' }],
    ['a missing user', { ...host, user: undefined }, { field: 'user' }],
    ['a missing method', { ...host, method: undefined }, { field: 'method' }],
    ['an empty user list', { ...host, user: [] }, { field: 'user' }],
    ['a broken quoted value', { ...host, database: '"all' }, { field: 'database' }],
    ['peer on a host rule (the server says why)', { ...host, method: 'peer' }, { field: 'rule', reason: 'peer authentication is only supported on local sockets' }],
    ['an option the method does not take', { ...host, options: { map: 'm' } }, { field: 'rule', reason: 'authentication option "map" is only valid for authentication methods ident, peer, gssapi, sspi, and cert' }],
    ['an unknown option', { ...host, options: { mapp: 'm' } }, { field: 'rule', reason: 'unrecognized authentication option name: "mapp"' }],
    ['a comment that is not a comment', { ...host, comments: ['not a comment'] }, { field: 'comments' }],
    ['a comment whose final backslash would glue the rule onto it (14+)', { ...host, comments: ['# note \\'] }, { field: 'comments' }],
    ['a comment of two lines', { ...host, comments: ['# one\n# two'] }, { field: 'comments' }],
    ['a comment ending in a carriage return', { ...host, comments: ['# one\r'] }, { field: 'comments' }],
  ];

  for (const [what, rule, fields] of cases) {
    it(`refuses ${what}`, () => {
      for (const edit of [
        (hba: HbaFile) => hba.append(rule as never),
        (hba: HbaFile) => hba.insert(0, rule as never),
        (hba: HbaFile) => hba.set(1, rule as never),
        (hba: HbaFile) => hba.insertAfter({ type: 'local' }, rule as never),
      ]) {
        given(text, { major: 17 }).running(edit).fails(InvalidHbaRuleError, { code: 'HBA_INVALID_RULE', ...fields });
      }
    });
  }

  it('refuses indexes out of range, and a pop index that is not an integer', () => {
    given(text).running((hba) => hba.pop(2)).fails(HbaIndexError, { code: 'HBA_INDEX_OUT_OF_RANGE', index: 2, length: 2 });
    given(text).running((hba) => hba.set(-3, host as never)).fails(HbaIndexError, { index: -3 });
    given(text).running((hba) => hba.insert(3, host as never)).fails(HbaIndexError, { index: 3 });
    given(text).running((hba) => (hba.pop as (i?: unknown) => unknown)('0')).fails(InvalidArgumentError, { code: 'INVALID_ARGUMENT', argument: 'index' });
    given(text).running((hba) => hba.insert(2, host as never, { position: 'after' })).fails(HbaIndexError, { code: 'HBA_INDEX_OUT_OF_RANGE', index: 2, length: 2 });
    given(text).running((hba) => hba.insert(0, host as never, { position: 'behind' as never })).fails(InvalidArgumentError, { argument: 'position' });
    given('# none\n').running((hba) => hba.pop()).fails(HbaIndexError, { index: 0, length: 0 });
    given(text).running((hba) => hba.pop(0.5)).fails(InvalidArgumentError);
  });

  it('refuses to insert next to a rule that is not there', () => {
    given(text).running((hba) => hba.insertBefore({ method: 'trust' }, host as never)).fails(HbaRuleNotFoundError, { code: 'HBA_RULE_NOT_FOUND', pattern: { method: 'trust' } });
    given(text).running((hba) => hba.insertAfter({ method: 'trust' }, host as never)).fails(HbaRuleNotFoundError);
  });

  it('refuses patterns with unknown fields', () => {
    given(text).running((hba) => hba.find({ metod: 'md5' } as never)).fails(InvalidArgumentError, { argument: 'pattern' });
    given(text).running((hba) => hba.remove({ database: 3 } as never)).fails(InvalidArgumentError, { argument: 'pattern.database' });
  });

  it('parses anything without throwing, and reports what the server would reject', () => {
    const hba = HbaFile.parse('host all all 10.0.0.0/33 trust\nlocal all all\n\thost all all ::1/128 peer\n');
    expect(hba.length).toBe(0);
    expect(hba.diagnostics).toEqual([
      { code: 'HBA_INVALID_LINE', line: 1, column: 14, message: 'invalid CIDR mask in address "10.0.0.0/33"', raw: 'host all all 10.0.0.0/33 trust' },
      { code: 'HBA_INVALID_LINE', line: 2, column: 14, message: 'end-of-line before authentication method', raw: 'local all all' },
      { code: 'HBA_INVALID_LINE', line: 3, column: 23, message: 'peer authentication is only supported on local sockets', raw: '\thost all all ::1/128 peer' },
    ]);
  });
});
