import fc from 'fast-check';
import { parse } from 'pg-connection-string';
import postgres from 'postgres';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConnectionInfo, encodeDatabasePath, quoteConnectionValue } from '../../../src/throwaway/connection-info.js';

// libpq's conninfo reader (fe-connect.c, conninfo_parse): key = value, a value single-quoted or
// bare, backslash escapes the next character in both.
function parseConninfo(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  const skip = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  for (;;) {
    skip();
    if (i >= text.length) return out;
    let key = '';
    while (i < text.length && text[i] !== '=' && !/\s/.test(text[i]!)) key += text[i++];
    skip();
    if (text[i++] !== '=') throw new Error(`missing = after ${key}`);
    skip();
    let value = '';
    if (text[i] === "'") {
      i++;
      while (text[i] !== "'") {
        if (i >= text.length) throw new Error('unterminated quote');
        if (text[i] === '\\') i++;
        value += text[i++];
      }
      i++;
    } else {
      while (i < text.length && !/\s/.test(text[i]!)) {
        if (text[i] === '\\') i++;
        value += text[i++];
      }
    }
    out[key] = value;
  }
}

const socket = new ConnectionInfo({ host: '/tmp/pgc x', port: 5432, user: 'postgres', database: 'app' });

describe('ConnectionInfo', () => {
  it('gives libpq keyword/value text, quoting only where needed', () => {
    expect(socket.connectionString()).toBe("host='/tmp/pgc x' port=5432 user=postgres dbname=app");
    const withPassword = new ConnectionInfo({ host: 'localhost', port: 6543, user: 'o\'neil', database: 'db', password: 'a b\\c' });
    expect(withPassword.connectionString()).toBe("host=localhost port=6543 user='o\\'neil' dbname=db password='a b\\\\c'");
    expect(quoteConnectionValue('')).toBe("''");
  });

  it('round-trips any value through the keyword/value form', () => {
    const text = fc.string({ unit: 'grapheme', minLength: 1 });
    fc.assert(
      fc.property(text, text, text, (user, database, password) => {
        const info = new ConnectionInfo({ host: '/tmp/s', port: 1, user, database, password });
        expect(parseConninfo(info.connectionString())).toEqual({ host: '/tmp/s', port: '1', user, dbname: database, password });
      }),
    );
  });

  it('gives a URI with the socket directory as its `host=` parameter and an empty authority, as libpq documents it', () => {
    expect(socket.uri()).toBe('postgresql:///app?host=%2Ftmp%2Fpgc%20x&port=5432&user=postgres');
    const url = new URL(socket.uri());
    expect(url).toMatchObject({ hostname: '', port: '', username: '', password: '', pathname: '/app' });
    expect([...url.searchParams]).toEqual([['host', '/tmp/pgc x'], ['port', '5432'], ['user', 'postgres']]);
    expect(parse(socket.uri())).toMatchObject({ host: '/tmp/pgc x', port: '5432', user: 'postgres', database: 'app' });
  });

  it('gives exact URIs for special characters in every part', () => {
    const special = { user: 'us@r:/% é', password: "p@ss:/%w ö#?&=+'rd", database: 'd@b:/% é x#?&=+' };
    expect(new ConnectionInfo({ host: '/tmp/s ?&=', port: 5432, ...special }).uri()).toBe(
      "postgresql:///d@b:/%25%20%C3%A9%20x%23%3F&=+?host=%2Ftmp%2Fs%20%3F%26%3D&port=5432&user=us%40r%3A%2F%25%20%C3%A9&password=p%40ss%3A%2F%25w%20%C3%B6%23%3F%26%3D%2B'rd",
    );
    expect(new ConnectionInfo({ host: 'localhost', port: 6543, ...special }).uri()).toBe(
      "postgresql://us%40r%3A%2F%25%20%C3%A9:p%40ss%3A%2F%25w%20%C3%B6%23%3F%26%3D%2B'rd@localhost:6543/d@b:/%25%20%C3%A9%20x%23%3F&=+",
    );
    expect(new ConnectionInfo({ host: '127.0.0.1', port: 6543, user: 'postgres', database: 'app', password: 'secret' }).uri()).toBe(
      'postgresql://postgres:secret@127.0.0.1:6543/app',
    );
  });

  it("keeps the path's own characters in the database name, and `/` unless a dot segment would be dropped", () => {
    expect(encodeDatabasePath("a-z_0.9~!$&'()*+,;=:@/b")).toBe("a-z_0.9~!$&'()*+,;=:@/b");
    expect(encodeDatabasePath('% é?#"<>\\^`{|}')).toBe('%25%20%C3%A9%3F%23%22%3C%3E%5C%5E%60%7B%7C%7D');
    expect(encodeDatabasePath('a/../b')).toBe('a%2F..%2Fb');
    expect(encodeDatabasePath('./a')).toBe('.%2Fa');
    expect(encodeDatabasePath('a/...')).toBe('a/...');
    expect(new URL(`postgresql://h:1/${encodeDatabasePath('a/../b')}`).pathname).toBe('/a%2F..%2Fb');
  });

  it('percent-encodes user, password, socket directory and database in the URI the way libpq splits and decodes it', () => {
    const text = fc.string({ unit: 'grapheme', minLength: 1 }).filter((s) => !s.includes('\0'));
    const directory = text.map((s) => `/${s}`);
    fc.assert(
      fc.property(text, text, text, (user, database, password) => {
        // libpq (fe-connect.c, conninfo_uri_parse_options) splits the authority at the raw
        // delimiters, takes everything after the first `/` up to `?` as the database, and
        // percent-decodes every part.
        const uri = new ConnectionInfo({ host: 'db.example', port: 5433, user, database, password }).uri();
        const match = /^postgresql:\/\/([^:@/]*):([^:@/]*)@([^:@/]*):(\d+)\/([^?#]*)$/.exec(uri);
        expect(match).not.toBeNull();
        const [, u, p, h, port, d] = match!.map((part) => decodeURIComponent(part));
        expect({ u, p, h, port, d }).toEqual({ u: user, p: password, h: 'db.example', port: '5433', d: database });
      }),
    );
    fc.assert(
      fc.property(directory, text, text, fc.option(text, { nil: undefined }), (host, user, database, password) => {
        // With an empty authority, libpq takes everything from the third `/` up to `?` as the
        // database, then splits the query at raw `&` and `=` (conninfo_uri_parse_params: exactly
        // one `=` a parameter) and percent-decodes keyword and value; `+` stays `+`.
        const uri = new ConnectionInfo({ host, port: 5433, user, database, ...(password === undefined ? {} : { password }) }).uri();
        const match = /^postgresql:\/\/\/([^?#]*)\?([^#]*)$/.exec(uri);
        expect(match).not.toBeNull();
        const parameters = match![2]!.split('&').map((pair) => {
          const parts = pair.split('=');
          expect(parts).toHaveLength(2);
          return parts.map((part) => decodeURIComponent(part));
        });
        expect({ dbname: decodeURIComponent(match![1]!), parameters }).toEqual({
          dbname: database,
          parameters: [['host', host], ['port', '5433'], ['user', user], ...(password === undefined ? [] : [['password', password]])],
        });
      }),
    );
  });

  it('gives URIs that WHATWG URL parses, and node-postgres reads back but for `?`, `#` and dot segments in the database', () => {
    const text = fc.string({ unit: 'grapheme', minLength: 1 }).filter((s) => !s.includes('\0'));
    const host = fc.oneof(
      fc.constantFrom('/tmp/pgc x', '/dev/shm/pg-cluster-0/clusters/1-Ab_c', 'localhost', '127.0.0.1', '::1'),
      text.map((s) => `/${s}`),
    );
    fc.assert(
      fc.property(host, text, text, text, (host, user, database, password) => {
        const info = new ConnectionInfo({ host, port: 5433, user, database, password });
        const uri = info.uri();
        const url = new URL(uri);
        if (info.isUnixSocket) {
          expect([url.hostname, url.username, url.password, url.port]).toEqual(['', '', '', '']);
          expect([...url.searchParams]).toEqual([['host', host], ['port', '5433'], ['user', user], ['password', password]]);
        } else {
          expect(decodeURIComponent(url.hostname)).toBe(host.includes(':') ? `[${host}]` : host);
          expect([decodeURIComponent(url.username), decodeURIComponent(url.password), url.port]).toEqual([user, password, '5433']);
        }
        const parsed = parse(uri);
        expect(parsed).toMatchObject({ host, port: '5433', user, password });
        const hasDotSegment = database.split('/').some((segment) => segment === '.' || segment === '..');
        if (!/[?#]/.test(database) && !hasDotSegment) expect(parsed.database).toBe(database);
      }),
    );
  });

  it('gives URIs whose user, password and TCP host postgres.js reads back, a database only when it needs no encoding, and not the socket form', async () => {
    const tcp = new ConnectionInfo({ host: 'localhost', port: 5433, user: 'us@r:/% é', password: 'p@ss:/%w ö#?&=+rd', database: "it@s:a/b$&+,;=c'(x)" });
    const viaTcp = postgres(tcp.uri(), { max: 1 });
    expect(viaTcp.options).toMatchObject({ host: ['localhost'], port: [5433], user: tcp.user, pass: tcp.password, database: tcp.database, path: false });
    await viaTcp.end();
    const encoded = postgres(tcp.withDatabase('my db').uri(), { max: 1 });
    expect(encoded.options.database).toBe('my%20db');
    await encoded.end();
    // The socket form: postgres.js finds no host in the empty authority (it falls back to
    // PGHOST or localhost) and sends every query parameter to the server as a setting, where
    // `user` and `password` replace the user of the startup message and `host` is refused.
    const locked = new ConnectionInfo({ ...socket.toJSON(), user: 'us@r:/% é', password: 'p@ss:/%w ö#?&=+rd' });
    const viaSocket = postgres(locked.uri(), { max: 1 });
    expect(viaSocket.options).toMatchObject({
      host: [process.env.PGHOST ?? 'localhost'],
      path: false,
      database: 'app',
      pass: process.env.PGPASSWORD ?? '',
      connection: { host: locked.host, port: '5432', user: locked.user, password: locked.password },
    });
    await viaSocket.end();
    // clientConfig() reaches the socket: postgres.js builds its path from `host`.
    const viaConfig = postgres({ ...socket.clientConfig(), max: 1 });
    expect(viaConfig.options).toMatchObject({ path: '/tmp/pgc x/.s.PGSQL.5432', database: 'app', user: 'postgres' });
    await viaConfig.end();
  });

  it('brackets an IPv6 address in the URI', () => {
    expect(new ConnectionInfo({ host: '::1', port: 5432, user: 'u', database: 'd' }).uri()).toBe('postgresql://u@[::1]:5432/d');
  });

  it('gives libpq environment variables, PGPASSWORD only when there is a password', () => {
    expect(socket.env()).toEqual({ PGHOST: '/tmp/pgc x', PGPORT: '5432', PGUSER: 'postgres', PGDATABASE: 'app' });
    expect(socket.withDatabase('other').env().PGDATABASE).toBe('other');
    expect(new ConnectionInfo({ ...socket.toJSON(), password: 'pw' }).env().PGPASSWORD).toBe('pw');
  });

  it('gives a client config and survives JSON', () => {
    expect(socket.clientConfig()).toEqual({ host: '/tmp/pgc x', port: 5432, user: 'postgres', database: 'app' });
    const copy = ConnectionInfo.from(JSON.parse(JSON.stringify(socket)));
    expect(copy.uri()).toBe(socket.uri());
    expect(copy.isUnixSocket).toBe(true);
  });

  it('redacts the password in toJSON() and inspect(); toParameters({ includePassword: true }) carries it to ConnectionInfo.from', () => {
    const password = 'hunter2-s3cret';
    const locked = new ConnectionInfo({ host: socket.host, port: socket.port, user: socket.user, database: socket.database, password });
    const redacted = { host: '/tmp/pgc x', port: 5432, user: 'postgres', database: 'app', password: '<redacted>' };
    expect(locked.toJSON()).toEqual(redacted);
    expect(JSON.stringify(locked)).not.toContain(password);
    expect(JSON.stringify({ nested: [locked] })).not.toContain(password);
    for (const shown of [inspect(locked), inspect(locked, { showHidden: true, depth: Infinity }), inspect({ nested: { locked } }), `${[locked].map((x) => inspect(x))}`]) {
      expect(shown).not.toContain(password);
      expect(shown).toContain('<redacted>');
    }
    expect(inspect(locked)).toMatch(/^ConnectionInfo \{/);
    // The explicit forms still carry it: that is what they are for.
    expect(locked.connectionString()).toContain(password);
    expect(locked.uri()).toContain(password);
    expect(locked.env().PGPASSWORD).toBe(password);
    expect(locked.clientConfig().password).toBe(password);
    expect(locked.withDatabase('other').password).toBe(password);
    // Between processes: the parameters with the password, asked for by name.
    expect(locked.toParameters()).toEqual({ host: '/tmp/pgc x', port: 5432, user: 'postgres', database: 'app' });
    const sent = JSON.parse(JSON.stringify(locked.toParameters({ includePassword: true })));
    expect(ConnectionInfo.from(sent).password).toBe(password);
    // What toJSON() gave cannot pass for a password: it would only fail at the server.
    expect(() => ConnectionInfo.from(JSON.parse(JSON.stringify(locked)))).toThrow(
      'Expected `password` to be the password itself (toJSON() redacts it: pass toParameters({ includePassword: true }) between processes), got `<redacted>`',
    );
    expect(() => locked.toParameters({ includePassword: 'yes' as unknown as boolean })).toThrow('Expected `includePassword` to be a boolean');
    expect(() => new ConnectionInfo({ ...socket.toParameters(), password: 42 as unknown as string })).toThrow('Expected `password` to be a string, got `<redacted>`');
  });

  it('refuses malformed parameters with the one message shape', () => {
    expect(() => new ConnectionInfo({ ...socket.toJSON(), port: 0 })).toThrow('Expected `port` to be an integer from 1 to 65535, got `0`');
    expect(() => new ConnectionInfo({ ...socket.toJSON(), database: '' })).toThrow(/Expected `database`/);
  });
});
