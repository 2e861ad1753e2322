import type { ConfigEncoding } from './config-encoding.js';
import { lexConfigLine } from './config-lexer.js';

const encoder = new TextEncoder();
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
  const bytes: number[] = [];
  const pushText =
    encoding === 'latin1'
      ? (text: string): void => {
          for (let i = 0; i < text.length; i++) bytes.push(text.charCodeAt(i) & 0xff);
        }
      : (text: string): void => {
          for (const byte of encoder.encode(text)) bytes.push(byte);
        };
  // Characters are taken whole (a pair of UTF-16 surrogates is one character, one UTF-8 sequence).
  const charAt = (at: number): string | undefined => {
    const code = body.codePointAt(at);
    return code === undefined ? undefined : String.fromCodePoint(code);
  };
  for (let i = 0; i < body.length; i++) {
    const char = charAt(i)!;
    if (char === '\\') {
      const next = charAt(++i);
      if (next === undefined) break;
      i += next.length - 1;
      const simple = simpleEscapes[next];
      if (simple !== undefined) {
        bytes.push(simple);
      } else if (next >= '0' && next <= '7') {
        let value = 0;
        let k = 0;
        while (k < 3 && body[i + k] !== undefined && body[i + k]! >= '0' && body[i + k]! <= '7') {
          value = value * 8 + (body.charCodeAt(i + k) - 48);
          k++;
        }
        i += k - 1;
        bytes.push(value & 0xff);
      } else {
        pushText(next);
      }
    } else if (char === "'" && body[i + 1] === "'") {
      bytes.push(0x27);
      i++;
    } else {
      pushText(char);
      i += char.length - 1;
    }
  }
  const nul = bytes.indexOf(0);
  const value = Uint8Array.from(nul === -1 ? bytes : bytes.slice(0, nul));
  return encoding === 'latin1' ? Buffer.from(value).toString('latin1') : decoder.decode(value);
}

const simpleEscapes: Record<string, number> = { b: 0x08, f: 0x0c, n: 0x0a, r: 0x0d, t: 0x09 };

/** Whether `value` can be written without quotes and read back as the same string. */
export function isBareConfigValue(value: string): boolean {
  if (value === '') return false;
  const tokens = lexConfigLine(value);
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
