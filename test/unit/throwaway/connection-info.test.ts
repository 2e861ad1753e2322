import fc from 'fast-check';
import { parse } from 'pg-connection-string';
import { describe, expect, it } from 'vitest';
import { ConnectionInfo, quoteConnectionValue } from '../../../src/throwaway/connection-info.js';

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

  it('gives a URI with the socket directory in host=, which node-postgres reads back', () => {
    expect(socket.uri()).toBe('postgresql://postgres@/app?host=%2Ftmp%2Fpgc%20x&port=5432');
    const parsed = parse(socket.uri());
    expect(parsed).toMatchObject({ host: '/tmp/pgc x', port: '5432', user: 'postgres', database: 'app' });
  });

  it('percent-encodes user, password and database in the URI', () => {
    const text = fc.string({ unit: 'grapheme', minLength: 1 }).filter((s) => !s.includes('\0'));
    fc.assert(
      fc.property(text, text, text, (user, database, password) => {
        // libpq splits at the raw delimiters and percent-decodes every part (no dot-segment
        // normalisation, unlike WHATWG URL; node-postgres's parser leaves some escapes in the
        // database name as it uses decodeURI), so the reference is that split.
        const uri = new ConnectionInfo({ host: 'db.example', port: 5433, user, database, password }).uri();
        const match = /^postgresql:\/\/([^:@/]*):([^:@/]*)@([^:@/]*):(\d+)\/([^:@/?]*)$/.exec(uri);
        expect(match).not.toBeNull();
        const [, u, p, h, port, d] = match!.map((part) => decodeURIComponent(part));
        expect({ u, p, h, port, d }).toEqual({ u: user, p: password, h: 'db.example', port: '5433', d: database });
      }),
    );
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

  it('refuses malformed parameters with the one message shape', () => {
    expect(() => new ConnectionInfo({ ...socket.toJSON(), port: 0 })).toThrow('Expected `port` to be an integer from 1 to 65535, got `0`');
    expect(() => new ConnectionInfo({ ...socket.toJSON(), database: '' })).toThrow(/Expected `database`/);
  });
});
