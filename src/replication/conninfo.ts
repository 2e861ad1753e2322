import { quoteConnectionValue } from '../throwaway/connection-info.js';

/**
 * A libpq keyword/value connection string (`host=/tmp port=5432 application_name='b c'`) as an
 * ordered list of pairs, as libpq reads it: values in single quotes may hold spaces, `\'` and
 * `\\` escape inside and outside quotes. A URI (`postgresql://…`) is not this form: null.
 */
export function parseConninfo(text: string): Array<[string, string]> | null {
  if (/^\s*postgres(ql)?:\/\//.test(text)) return null;
  const pairs: Array<[string, string]> = [];
  let i = 0;
  const skipSpace = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  for (;;) {
    skipSpace();
    if (i >= text.length) return pairs;
    const keyStart = i;
    while (i < text.length && text[i] !== '=' && !/\s/.test(text[i]!)) i++;
    const key = text.slice(keyStart, i);
    skipSpace();
    if (text[i] !== '=' || key === '') return null;
    i++;
    skipSpace();
    let value = '';
    if (text[i] === "'") {
      i++;
      for (;;) {
        if (i >= text.length) return null; // unterminated quote
        const c = text[i]!;
        if (c === '\\' && i + 1 < text.length) {
          value += text[i + 1];
          i += 2;
        } else if (c === "'") {
          i++;
          break;
        } else {
          value += c;
          i++;
        }
      }
    } else {
      while (i < text.length && !/\s/.test(text[i]!)) {
        if (text[i] === '\\' && i + 1 < text.length) i++;
        value += text[i];
        i++;
      }
    }
    pairs.push([key, value]);
  }
}

/** The keyword/value string of `pairs`, values quoted where libpq needs it. */
export function formatConninfo(pairs: ReadonlyArray<readonly [string, string]>): string {
  return pairs.map(([key, value]) => `${key}=${quoteConnectionValue(value)}`).join(' ');
}

/** The value of `key` in `pairs` (the last one, as libpq takes it), or undefined. */
export function conninfoValue(pairs: ReadonlyArray<readonly [string, string]>, key: string): string | undefined {
  for (let i = pairs.length - 1; i >= 0; i--) if (pairs[i]![0] === key) return pairs[i]![1];
  return undefined;
}
