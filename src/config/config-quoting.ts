import type { ConfigEncoding } from './config-encoding.js';
import { lexConfigLine } from './config-lexer.js';

const decoder = new TextDecoder('utf-8');

/**
 * The value the server reads from a quoted token: the quotes stripped, `''` made one `'`, and
 * backslash escapes resolved as PostgreSQL's DeescapeQuotedString does: `\b \f \n \r \t`,
 * up to three octal digits as one byte (`\101` is `A`), any other character stands for itself.
 * The server keeps values as C strings, so a `\0` byte ends the value there. The server works on
 * bytes: `encoding` is the one the text was read with (`'latin1'`: one character per byte), which
 * turns the bytes of an octal escape back into characters. Default `'utf8'`.
 */
export function unquoteConfigString(token: string, { encoding = 'utf8' }: { encoding?: ConfigEncoding } = {}): string {
  const body = token.slice(1, -1);
  if (!body.includes('\\') && !body.includes("'") && !body.includes('\0')) return body;
  // The bytes go into one buffer as large as the body's own bytes (escapes only shrink it); runs
  // of plain characters are copied whole, so a long value costs a few bytes per character.
  const isLatin1 = encoding === 'latin1';
  const bytes = Buffer.allocUnsafe(isLatin1 ? body.length : Buffer.byteLength(body, 'utf8'));
  let length = 0;
  const pushText = (from: number, to: number): void => {
    if (from < to) length += bytes.write(body.slice(from, to), length, isLatin1 ? 'latin1' : 'utf8');
  };
  // A run of characters taken as they are starts at `runStart`; a pair of UTF-16 surrogates is
  // never split, because a run only ends at a backslash or a quote.
  let runStart = 0;
  let i = 0;
  while (i < body.length) {
    const code = body.charCodeAt(i);
    if (code === 92) {
      pushText(runStart, i);
      if (i + 1 >= body.length) {
        runStart = body.length;
        break;
      }
      const next = body[i + 1]!;
      const simple = simpleEscapes[next];
      if (simple !== undefined) {
        bytes[length++] = simple;
        i += 2;
        runStart = i;
      } else if (next >= '0' && next <= '7') {
        let value = 0;
        let k = 0;
        while (k < 3 && i + 1 + k < body.length && body[i + 1 + k]! >= '0' && body[i + 1 + k]! <= '7') {
          value = value * 8 + (body.charCodeAt(i + 1 + k) - 48);
          k++;
        }
        bytes[length++] = value & 0xff;
        i += 1 + k;
        runStart = i;
      } else if (next.charCodeAt(0) < 0x80) {
        // Any other character stands for itself.
        bytes[length++] = next.charCodeAt(0);
        i += 2;
        runStart = i;
      } else {
        // Beyond ASCII it starts the next run, which keeps a surrogate pair whole.
        runStart = i + 1;
        i += 2;
      }
    } else if (code === 39 && body.charCodeAt(i + 1) === 39) {
      pushText(runStart, i);
      bytes[length++] = 0x27;
      i += 2;
      runStart = i;
    } else {
      i++;
    }
  }
  pushText(runStart, body.length);
  const nul = bytes.subarray(0, length).indexOf(0);
  const value = bytes.subarray(0, nul === -1 ? length : nul);
  return isLatin1 ? value.toString('latin1') : decoder.decode(value);
}

const simpleEscapes: Record<string, number> = { b: 0x08, f: 0x0c, n: 0x0a, r: 0x0d, t: 0x09 };

/** Whether `value` can be written without quotes and read back as the same string. */
export function isBareConfigValue(value: string): boolean {
  if (value === '') return false;
  const tokens = lexConfigLine(value, { maxSignificant: 2 });
  if (tokens.length !== 1) return false;
  // Not `qualified-id`: the server does not take `a.b` as a value, only as a name.
  const kind = tokens[0]!.kind;
  return kind === 'id' || kind === 'unquoted-string' || kind === 'integer' || kind === 'real';
}

/** A quoted literal the server reads back as `value`: `'` doubled, `\` escaped. */
export function quoteConfigString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

/** `value` as it should be written: bare when that reads back the same, quoted otherwise. */
export function formatConfigValue(value: string, { quote = false }: { quote?: boolean } = {}): string {
  return !quote && isBareConfigValue(value) ? value : quoteConfigString(value);
}
