// Which comment lines go with a rule (or mapping) that is popped, removed or moved: the comment
// block directly above it when it is the only rule under that block; a block heading a group of
// rules (initdb's "Allow replication connections…") stays, above the rule that then comes first.
import { describe, expect, it } from 'vitest';
import { HbaFile, IdentFile } from '../../../src/hba/index.js';
import { given } from './edit-shape.js';
import { fixtureFiles } from './fixtures.js';

const HEADER = '# TYPE  DATABASE        USER            ADDRESS                 METHOD\n\n';

/** The rules initdb writes below the column header, with its local and host methods. */
const initdbRules = (l: string, h: string): string => `# "local" is for Unix domain socket connections only
local   all             all                                     ${l}
# IPv4 local connections:
host    all             all             127.0.0.1/32            ${h}
# IPv6 local connections:
host    all             all             ::1/128                 ${h}
# Allow replication connections from localhost, by a user with the
# replication privilege.
local   replication     all                                     ${l}
host    replication     all             127.0.0.1/32            ${h}
host    replication     all             ::1/128                 ${h}
`;

/** The text above the column header, and the header itself; what follows it is checked by each test. */
function splitAtHeader(text: string): { head: string; rules: string } {
  const at = text.indexOf(HEADER);
  expect(at).toBeGreaterThan(0);
  return { head: text.slice(0, at + HEADER.length), rules: text.slice(at + HEADER.length) };
}

const hbaFiles = fixtureFiles('initdb').filter((f) => f.name.startsWith('pg_hba.conf.'));
const identFiles = fixtureFiles('initdb').filter((f) => /^pg_ident\.conf\.\d+-default$/.test(f.name));

/** initdb's pg_hba.conf of majors 13 to 18 with two sets of methods. */
const initdbCases = [13, 14, 15, 16, 17, 18].flatMap((major) => [
  { name: `pg_hba.conf.${major}-default`, major, l: 'trust', h: 'trust' },
  { name: `pg_hba.conf.${major}-local-peer-host-scram`, major, l: 'peer', h: 'scram-sha-256' },
]);

describe.each(initdbCases)('$name: comments of popped, removed and moved rules', ({ name, major, l, h }) => {
  const text = hbaFiles.find((f) => f.name === name)!.text;
  const { head, rules } = splitAtHeader(text);
  const edit = (run: (hba: HbaFile) => unknown): string => {
    const hba = HbaFile.parse(text, { major });
    run(hba);
    const out = hba.toString();
    expect(HbaFile.parse(out, { major }).rules()).toEqual(hba.rules());
    expect(out.startsWith(head)).toBe(true);
    return out.slice(head.length);
  };

  it('is the file initdb writes', () => {
    expect(rules).toBe(initdbRules(l, h));
    const hba = HbaFile.parse(text, { major });
    expect(hba.at(3)!.comments).toEqual(['# Allow replication connections from localhost, by a user with the', '# replication privilege.']);
    expect(hba.at(4)!.comments).toEqual([]);
  });

  it('leaves the heading of the replication rules when popping the first of them, and returns no comments', () => {
    expect(edit((hba) => expect(hba.pop(3)).toMatchObject({ type: 'local', database: ['replication'], comments: [] }))).toBe(`# "local" is for Unix domain socket connections only
local   all             all                                     ${l}
# IPv4 local connections:
host    all             all             127.0.0.1/32            ${h}
# IPv6 local connections:
host    all             all             ::1/128                 ${h}
# Allow replication connections from localhost, by a user with the
# replication privilege.
host    replication     all             127.0.0.1/32            ${h}
host    replication     all             ::1/128                 ${h}
`);
  });

  it('pops each rule of the group in turn from the front: the heading goes with the last one', () => {
    const hba = HbaFile.parse(text, { major });
    const after = (): string => hba.toString().slice(head.length);
    const top = `# "local" is for Unix domain socket connections only
local   all             all                                     ${l}
# IPv4 local connections:
host    all             all             127.0.0.1/32            ${h}
# IPv6 local connections:
host    all             all             ::1/128                 ${h}
`;
    const heading = '# Allow replication connections from localhost, by a user with the\n# replication privilege.\n';
    expect(hba.pop(3).comments).toEqual([]);
    expect(after()).toBe(`${top}${heading}host    replication     all             127.0.0.1/32            ${h}
host    replication     all             ::1/128                 ${h}
`);
    expect(hba.pop(3).comments).toEqual([]);
    expect(after()).toBe(`${top}${heading}host    replication     all             ::1/128                 ${h}
`);
    expect(hba.pop(3)).toMatchObject({
      address: '::1/128',
      comments: ['# Allow replication connections from localhost, by a user with the', '# replication privilege.'],
    });
    expect(after()).toBe(top);
  });

  it('pops each rule of the group in turn from the back: the heading goes with the first one', () => {
    const hba = HbaFile.parse(text, { major });
    const after = (): string => hba.toString().slice(head.length);
    const top = initdbRules(l, h).split('\n').slice(0, 8).join('\n') + '\n';
    expect(hba.pop(5).comments).toEqual([]);
    expect(after()).toBe(`${top}local   replication     all                                     ${l}
host    replication     all             127.0.0.1/32            ${h}
`);
    expect(hba.pop(4).comments).toEqual([]);
    expect(after()).toBe(`${top}local   replication     all                                     ${l}
`);
    expect(hba.pop(3).comments).toHaveLength(2);
    expect(after()).toBe(top.split('\n').slice(0, 6).join('\n') + '\n');
  });

  it('pops a rule in the middle of the group alone', () => {
    expect(edit((hba) => hba.pop(4))).toBe(rules.replace(`host    replication     all             127.0.0.1/32            ${h}\n`, ''));
  });

  it('takes the comment of a rule that is alone under it', () => {
    expect(edit((hba) => expect(hba.pop(0).comments).toEqual(['# "local" is for Unix domain socket connections only']))).toBe(`# IPv4 local connections:
host    all             all             127.0.0.1/32            ${h}
# IPv6 local connections:
host    all             all             ::1/128                 ${h}
# Allow replication connections from localhost, by a user with the
# replication privilege.
local   replication     all                                     ${l}
host    replication     all             127.0.0.1/32            ${h}
host    replication     all             ::1/128                 ${h}
`);
    expect(edit((hba) => hba.pop(1))).toBe(rules.replace(`# IPv4 local connections:\nhost    all             all             127.0.0.1/32            ${h}\n`, ''));
    // Followed by the replication heading, a comment: the IPv6 rule is alone under its comment.
    expect(edit((hba) => expect(hba.pop(2).comments).toEqual(['# IPv6 local connections:']))).toBe(`# "local" is for Unix domain socket connections only
local   all             all                                     ${l}
# IPv4 local connections:
host    all             all             127.0.0.1/32            ${h}
# Allow replication connections from localhost, by a user with the
# replication privilege.
local   replication     all                                     ${l}
host    replication     all             127.0.0.1/32            ${h}
host    replication     all             ::1/128                 ${h}
`);
  });

  it('removes a whole group with its heading, and part of one without', () => {
    expect(
      edit((hba) =>
        expect(hba.remove({ database: 'replication' }).map((r) => r.comments.length)).toEqual([2, 0, 0]),
      ),
    ).toBe(initdbRules(l, h).split('\n').slice(0, 6).join('\n') + '\n');
    expect(edit((hba) => expect(hba.remove({ type: 'host', database: 'replication' })).toHaveLength(2))).toBe(`# "local" is for Unix domain socket connections only
local   all             all                                     ${l}
# IPv4 local connections:
host    all             all             127.0.0.1/32            ${h}
# IPv6 local connections:
host    all             all             ::1/128                 ${h}
# Allow replication connections from localhost, by a user with the
# replication privilege.
local   replication     all                                     ${l}
`);
    expect(edit((hba) => hba.remove({ type: 'local', database: 'replication' }))).toBe(rules.replace(`local   replication     all                                     ${l}\n`, ''));
  });

  it('moves the first rule of the group without its heading, and a rule alone with its comment', () => {
    expect(edit((hba) => hba.insert(0, hba.pop(3)))).toBe(`local   replication     all                                     ${l}
# "local" is for Unix domain socket connections only
local   all             all                                     ${l}
# IPv4 local connections:
host    all             all             127.0.0.1/32            ${h}
# IPv6 local connections:
host    all             all             ::1/128                 ${h}
# Allow replication connections from localhost, by a user with the
# replication privilege.
host    replication     all             127.0.0.1/32            ${h}
host    replication     all             ::1/128                 ${h}
`);
    expect(edit((hba) => hba.append(hba.pop(3)))).toBe(`# "local" is for Unix domain socket connections only
local   all             all                                     ${l}
# IPv4 local connections:
host    all             all             127.0.0.1/32            ${h}
# IPv6 local connections:
host    all             all             ::1/128                 ${h}
# Allow replication connections from localhost, by a user with the
# replication privilege.
host    replication     all             127.0.0.1/32            ${h}
host    replication     all             ::1/128                 ${h}
local   replication     all                                     ${l}
`);
    expect(edit((hba) => hba.append(hba.pop(2)))).toBe(`# "local" is for Unix domain socket connections only
local   all             all                                     ${l}
# IPv4 local connections:
host    all             all             127.0.0.1/32            ${h}
# Allow replication connections from localhost, by a user with the
# replication privilege.
local   replication     all                                     ${l}
host    replication     all             127.0.0.1/32            ${h}
host    replication     all             ::1/128                 ${h}
# IPv6 local connections:
host    all             all             ::1/128                 ${h}
`);
  });
});

describe.each([13, 15, 16, 18])('pg_hba.conf.sample of %i as initdb writes it without Unix sockets', (major) => {
  // initdb drops the lines marked @remove-line-for-nolocal@ where there are no Unix sockets.
  const sample = fixtureFiles('samples').find((f) => f.name === `pg_hba.conf.sample.${major}`)!.text;
  const text = sample
    .split('\n')
    .filter((line) => !line.startsWith('@remove-line-for-nolocal@'))
    .join('\n')
    .replace('@authcomment@\n', '\n')
    .replaceAll('@authmethodhost@', 'md5');
  const { head, rules } = splitAtHeader(text);

  it('pops each replication rule in turn, the heading going with the last', () => {
    expect(rules).toBe(`# IPv4 local connections:
host    all             all             127.0.0.1/32            md5
# IPv6 local connections:
host    all             all             ::1/128                 md5
# Allow replication connections from localhost, by a user with the
# replication privilege.
host    replication     all             127.0.0.1/32            md5
host    replication     all             ::1/128                 md5
`);
    const hba = HbaFile.parse(text, { major });
    expect(hba.diagnostics).toEqual([]);
    expect(hba.pop(2).comments).toEqual([]);
    expect(hba.toString()).toBe(`${head}# IPv4 local connections:
host    all             all             127.0.0.1/32            md5
# IPv6 local connections:
host    all             all             ::1/128                 md5
# Allow replication connections from localhost, by a user with the
# replication privilege.
host    replication     all             ::1/128                 md5
`);
    expect(hba.pop(2).comments).toHaveLength(2);
    expect(hba.toString()).toBe(`${head}# IPv4 local connections:
host    all             all             127.0.0.1/32            md5
# IPv6 local connections:
host    all             all             ::1/128                 md5
`);
  });
});

describe('what counts as another rule under a comment', () => {
  it('a line the server rejects or an include record below the rule keeps the comment in place', () => {
    given('# the local rules\nlocal all all peer\nhots all all trust\n')
      .running((hba) => expect(hba.pop(0).comments).toEqual([]))
      .produces('# the local rules\nhots all all trust\n');
    given('# the local rules\nlocal all all peer\ninclude more.conf\n', { major: 16 })
      .running((hba) => hba.pop(0))
      .produces('# the local rules\ninclude more.conf\n');
  });

  it('a blank line, a comment or the end of the file below the rule lets the comment go with it', () => {
    given('# one\nlocal a all peer\n\nlocal b all peer\n').running((hba) => hba.pop(0)).produces('\nlocal b all peer\n');
    given('# one\nlocal a all peer\n# two\nlocal b all peer\n').running((hba) => hba.pop(0)).produces('# two\nlocal b all peer\n');
    given('local a all peer\n# two\nlocal b all peer').running((hba) => hba.pop(1)).produces('local a all peer');
  });

  it('keeps CRLF and a missing final newline when a group loses its rules', () => {
    given('local x all peer\r\n# group\r\nlocal a all peer\r\nlocal b all peer')
      .running((hba) => {
        expect(hba.pop(1).comments).toEqual([]);
        expect(hba.toString()).toBe('local x all peer\r\n# group\r\nlocal b all peer');
        expect(hba.pop(1).comments).toEqual(['# group']);
      })
      .produces('local x all peer');
  });

  it('never takes the column header', () => {
    given(`${HEADER}local a all peer\nlocal b all peer\n`).running((hba) => hba.pop(0)).produces(`${HEADER}local b all peer\n`);
    given('# TYPE  DATABASE        USER            ADDRESS                 METHOD\nlocal a all peer\n')
      .running((hba) => expect(hba.pop(0).comments).toEqual([]))
      .produces('# TYPE  DATABASE        USER            ADDRESS                 METHOD\n');
  });
});

describe.each(identFiles.map((f) => f.name))('%s with a group of mappings under one comment', (name) => {
  const base = identFiles.find((f) => f.name === name)!.text;
  const major = Number(/\.(\d+)-/.exec(name)![1]);
  const added = `# the mail users
mail            /^(.*)@example\\.com$    \\1
mail            bob                     robert

# the web server
web             www-data                web
`;
  const text = base + added;

  it('pops the first mapping of a group without its heading, and the last one with it', () => {
    const ident = IdentFile.parse(text, { major });
    expect(ident.at(0)!.comments).toEqual(['# the mail users']);
    expect(ident.pop(0).comments).toEqual([]);
    expect(ident.toString()).toBe(`${base}# the mail users
mail            bob                     robert

# the web server
web             www-data                web
`);
    expect(ident.pop(0)).toMatchObject({ systemUser: 'bob', comments: ['# the mail users'] });
    expect(ident.toString()).toBe(`${base}
# the web server
web             www-data                web
`);
    expect(ident.pop(0).comments).toEqual(['# the web server']);
    expect(ident.toString()).toBe(`${base}\n`);
  });

  it('removes a group with its heading, part of one without, and moves a mapping alone', () => {
    const removeAll = IdentFile.parse(text, { major });
    expect(removeAll.remove({ map: 'mail' }).map((m) => m.comments)).toEqual([['# the mail users'], []]);
    expect(removeAll.toString()).toBe(`${base}
# the web server
web             www-data                web
`);
    const removeOne = IdentFile.parse(text, { major });
    removeOne.remove({ map: 'mail', systemUser: 'bob' });
    expect(removeOne.toString()).toBe(`${base}# the mail users
mail            /^(.*)@example\\.com$    \\1

# the web server
web             www-data                web
`);
    const moved = IdentFile.parse(text, { major });
    moved.append(moved.pop(0));
    expect(moved.toString()).toBe(`${base}# the mail users
mail            bob                     robert

# the web server
web             www-data                web
mail            /^(.*)@example\\.com$    \\1
`);
    const movedAlone = IdentFile.parse(text, { major });
    expect(movedAlone.insert(0, movedAlone.pop(2)).comments).toEqual(['# the web server']);
    expect(movedAlone.toString()).toBe(`${base}# the web server
web             www-data                web
# the mail users
mail            /^(.*)@example\\.com$    \\1
mail            bob                     robert

`);
  });
});
