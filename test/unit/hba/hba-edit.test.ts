import { describe, expect, it } from 'vitest';
import { HbaFile } from '../../../src/hba/index.js';
import { given } from './edit-shape.js';

const sample = `# TYPE  DATABASE        USER            ADDRESS                 METHOD

# "local" is for Unix domain socket connections only
local   all             all                                     peer
# IPv4 local connections:
host    all             all             127.0.0.1/32            scram-sha-256
# IPv6 local connections:
host    all             all             ::1/128                 scram-sha-256
`;

const app = { type: 'host', database: 'app', user: 'app', address: '10.0.0.0/8', method: 'scram-sha-256' } as const;

describe('HbaFile edits', () => {
  it('inserts before a rule, above its comment, in the columns of the block', () => {
    given(sample)
      .running((hba) => hba.insertBefore({ type: 'host', address: '127.0.0.1/32' }, app))
      .produces(`# TYPE  DATABASE        USER            ADDRESS                 METHOD

# "local" is for Unix domain socket connections only
local   all             all                                     peer
host    app             app             10.0.0.0/8              scram-sha-256
# IPv4 local connections:
host    all             all             127.0.0.1/32            scram-sha-256
# IPv6 local connections:
host    all             all             ::1/128                 scram-sha-256
`);
  });

  it('inserts after a rule, on the next line', () => {
    given(sample)
      .running((hba) => hba.insertAfter({ type: 'local' }, { type: 'local', database: 'app', user: ['app', 'ops team'], method: 'md5' }))
      .produces(sample.replace('peer\n', 'peer\nlocal   app             app,"ops team"                          md5\n'));
  });

  it("pops the first rule when no index is given (pg_boss's pop(index = 0)), with its comment", () => {
    const hba = HbaFile.parse(sample);
    const popped = hba.pop();
    expect([popped.type, popped.comments]).toEqual(['local', ['# "local" is for Unix domain socket connections only']]);
    expect(hba.toString()).toBe(sample.replace('# "local" is for Unix domain socket connections only\nlocal   all             all                                     peer\n', ''));
  });

  it("inserts before or after rule i (pg_boss's insert(index, entry, position))", () => {
    const line = 'host    app             app             10.0.0.0/8              scram-sha-256\n';
    // before (the default): it becomes rule 1, above rule 1's comment
    given(sample).running((hba) => hba.insert(1, app, { position: 'before' })).produces(sample.replace('# IPv4', `${line}# IPv4`));
    given(sample).running((hba) => hba.insert(1, app)).produces(sample.replace('# IPv4', `${line}# IPv4`));
    // after: on the line after rule 1 (before the next rule's comment), so it becomes rule 2
    given(sample).running((hba) => hba.insert(1, app, { position: 'after' })).produces(sample.replace('# IPv6', `${line}# IPv6`));
    given(sample).running((hba) => hba.insert(-1, app, { position: 'after' })).produces(`${sample}${line}`);
    const hba = HbaFile.parse(sample);
    hba.insert(0, app, { position: 'after' });
    expect(hba.at(1)?.database).toEqual(['app']);
  });

  it('inserts by index, appends at the end, and writes options after the method', () => {
    given(sample)
      .running((hba) => {
        hba.insert(0, { ...app, comments: ['# the application'] });
        hba.append({ type: 'hostssl', database: 'all', user: '+admins', address: '::/0', method: 'cert', options: { map: 'certs' } });
      })
      .produces(`# TYPE  DATABASE        USER            ADDRESS                 METHOD

# the application
host    app             app             10.0.0.0/8              scram-sha-256
# "local" is for Unix domain socket connections only
local   all             all                                     peer
# IPv4 local connections:
host    all             all             127.0.0.1/32            scram-sha-256
# IPv6 local connections:
host    all             all             ::1/128                 scram-sha-256
hostssl all             +admins         ::/0                    cert map=certs
`);
  });

  it('puts a rule before the catch-all, leaving the catch-all its comment', () => {
    given('local all all peer\n# everything else is refused\nhost all all all reject\n')
      .running((hba) => hba.insertBefore({ method: 'reject' }, { type: 'host', database: 'app', user: 'app', address: '192.168.1.0', netmask: '255.255.255.0', method: 'md5' }))
      .produces('local all all peer\nhost app app 192.168.1.0 255.255.255.0 md5\n# everything else is refused\nhost all all all reject\n');
  });

  it('follows tabs, CRLF and a missing final newline', () => {
    given('local\tall\tall\ttrust\r\nhost\tall\tall\t127.0.0.1/32\tmd5')
      .running((hba) => hba.append({ type: 'host', database: 'db', user: 'u', address: '::1/128', method: 'md5' }))
      .produces('local\tall\tall\ttrust\r\nhost\tall\tall\t127.0.0.1/32\tmd5\r\nhost\tdb\tu\t::1/128\tmd5');
    given('host\tall\t\tall\t\t127.0.0.1/32\t\tmd5\n')
      .running((hba) => hba.append({ type: 'local', database: 'replication', user: 'all', method: 'peer' }))
      .produces('host\tall\t\tall\t\t127.0.0.1/32\t\tmd5\nlocal\treplication\tall\t\t\t\t\tpeer\n');
  });

  it('quotes only what needs quoting, and keeps a quoted keyword a name', () => {
    given('')
      .running((hba) => {
        hba.append({ type: 'local', database: ['"all"', 'my db', 'a"b'], user: ['all', '/^u,x$'], method: 'trust' });
        hba.append({ type: 'host', database: 'all', user: 'all', address: 'db.example.com', method: 'ldap', options: { ldapbasedn: 'dc=example, dc=net' } });
      })
      .produces(
        'local   "all","my db","a""b" all,"/^u,x$"                       trust\n' +
          'host    all             all             db.example.com          ldap ldapbasedn="dc=example, dc=net"\n',
      );
  });

  it('pops a rule with its comments, and a move keeps its text', () => {
    const hba = given(sample)
      .running((h) => {
        const popped = h.pop(1);
        expect(popped).toMatchObject({ type: 'host', address: '127.0.0.1/32', line: 6, comments: ['# IPv4 local connections:'] });
        h.insert(0, popped);
      })
      .produces(`# TYPE  DATABASE        USER            ADDRESS                 METHOD

# IPv4 local connections:
host    all             all             127.0.0.1/32            scram-sha-256
# "local" is for Unix domain socket connections only
local   all             all                                     peer
# IPv6 local connections:
host    all             all             ::1/128                 scram-sha-256
`);
    expect(hba.at(0)!.line).toBe(4);
  });

  it('leaves the line alone when set is given the rule it already holds', () => {
    const text = 'local\tall\tall\t\ttrust\nlocal\rdb\rall\rmd5\nhost    db1,\\\n        db2   all   127.0.0.1/32   md5#c\nhost all all 10.0.0.0/8 ident map=m1 map=m2\n';
    given(text, { major: 15 })
      .running((hba) => {
        for (let i = 0; i < hba.length; i++) hba.set(i, hba.at(i)!);
        hba.set(-1, { type: 'host', database: 'all', user: 'all', address: '10.0.0.0/8', method: 'ident', options: { map: 'm2' } });
      })
      .produces(text);
  });

  it('sets and moves a rule whose comment was continued over two lines (14+), keeping that comment', () => {
    // The blank line makes the comment describe the first rule alone, so it moves with it.
    const text = '# about db \\\n  still the comment\nlocal db all md5\n\nlocal all all trust\n';
    given(text, { major: 15 })
      .running((hba) => {
        expect(hba.at(0)!.comments).toEqual(['# about db \\\n  still the comment']);
        hba.set(0, { ...hba.at(0)!, method: 'trust' });
        hba.insert(1, hba.pop(0));
      })
      .produces('\nlocal all all trust\n# about db \\\n  still the comment\nlocal db all trust\n');
  });

  it('ends a continued last line before appending, so the server does not glue the new rule onto it', () => {
    given('local all all \\\n  md5\\\n', { major: 15 })
      .running((hba) => hba.append({ type: 'local', database: 'db', user: 'u', method: 'trust' }))
      .produces('local all all \\\n  md5\\\n\nlocal db u trust\n');
    given('local all all md5\\', { major: 15 })
      .running((hba) => hba.append({ type: 'local', database: 'db', user: 'u', method: 'trust' }))
      .produces('local all all md5\\\n\nlocal db u trust');
  });

  it('pops the last rule of a file without a final newline', () => {
    given('local all all peer\nhost all all ::1/128 md5')
      .running((hba) => hba.pop(-1))
      .produces('local all all peer');
  });

  it('sets a rule in place, keeping unchanged fields, its columns and its trailing comment', () => {
    given('local   "all"    all     trust   # keep me\nhost all all ::1/128 md5\n')
      .running((hba) => hba.set(0, { ...hba.at(0)!, method: 'peer', options: { map: 'm' } }))
      .produces('local   "all"    all     peer map=m   # keep me\nhost all all ::1/128 md5\n');
  });

  it('removes every matching rule, with contains matching lists', () => {
    given('local app,web all md5\n# web\nlocal web all md5\n\nlocal other all md5\n')
      .running((hba) => expect(hba.remove({ database: 'web' }, { contains: true }).map((r) => r.comments)).toEqual([[], ['# web']]))
      .produces('\nlocal other all md5\n');
  });

  it('reuses raw text when a popped rule is inserted elsewhere unchanged, and reformats a changed one', () => {
    given('local  all  all  peer   # note\nhost all all ::1/128 md5\n')
      .running((hba) => {
        hba.append(hba.pop(0));
        expect(hba.toString()).toBe('host all all ::1/128 md5\nlocal  all  all  peer   # note\n');
        hba.append({ ...hba.pop(1), method: 'trust' });
      })
      .produces('host all all ::1/128 md5\nlocal all all trust\n');
  });
});

describe('HbaFile queries', () => {
  const hba = HbaFile.parse('local all all peer\nhost app,web app 10.0.0.0/8 md5 # apps\nbroken line\nhost all all all reject\n');

  it('counts rules, not lines, and reads negative indexes', () => {
    expect(hba.length).toBe(3);
    expect(hba.at(-1)).toMatchObject({ method: 'reject', line: 4 });
    expect(hba.at(3)).toBeUndefined();
    expect([...hba].map((r) => r.line)).toEqual([1, 2, 4]);
  });

  it('finds with exact fields by default and with contains on request', () => {
    expect(hba.find({ database: 'app' })).toBeUndefined();
    expect(hba.find({ database: ['app', 'web'] })?.line).toBe(2);
    expect(hba.find({ database: 'app' }, { contains: true })?.line).toBe(2);
    expect(hba.index({ method: 'reject' })).toBe(2);
    expect(hba.index({ method: 'trust' })).toBe(-1);
    expect(hba.findAll({ type: 'host' }).map((r) => r.line)).toEqual([2, 4]);
    expect(hba.find((r) => r.address === '10.0.0.0/8')?.raw).toBe('host app,web app 10.0.0.0/8 md5 # apps');
  });

  it('returns copies: changing a returned rule changes nothing', () => {
    const rule = hba.at(0)!;
    rule.database.push('x');
    expect(hba.at(0)!.database).toEqual(['all']);
  });
});

describe('HbaFile iteration', () => {
  it('iterates over a snapshot, so removing while iterating is safe', () => {
    const hba = HbaFile.parse('local a all md5\nlocal b all md5\nlocal c all trust\n');
    for (const rule of hba) if (rule.method === 'md5') hba.remove({ database: rule.database });
    expect(hba.toString()).toBe('local c all trust\n');
  });
});
