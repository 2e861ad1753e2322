import { lexConfigLine } from './config-lexer.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8');

/**
 * The value the server reads from a quoted token: the quotes stripped, `''` made one `'`, and
 * backslash escapes resolved as PostgreSQL's DeescapeQuotedString does: `\b \f \n \r \t`,
 * up to three octal digits as one byte (`\101` is `A`), any other character stands for itself.
 * The server keeps values as C strings, so a `\0` byte ends the value there.
 */
export function unquoteConfigString(token: string): string {
  const body = token.slice(1, -1);
  if (!body.includes('\\') && !body.includes("'") && !body.includes('\0')) return body;
  const bytes: number[] = [];
  const pushText = (text: string): void => {
    for (const byte of encoder.encode(text)) bytes.push(byte);
  };
  for (let i = 0; i < body.length; i++) {
    const char = body[i]!;
    if (char === '\\') {
      const next = body[++i];
      if (next === undefined) break;
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
    }
  }
  const nul = bytes.indexOf(0);
  return decoder.decode(Uint8Array.from(nul === -1 ? bytes : bytes.slice(0, nul)));
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
