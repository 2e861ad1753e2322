// The tokens of postgresql.conf, as PostgreSQL's own scanner (src/backend/utils/misc/guc-file.l)
// defines them. The scanner works on bytes and treats every byte from 0x80 up as a letter; on a
// JavaScript string that is every code unit from U+0080 up (each such character is made of
// such bytes in UTF-8). Like flex, the lexer takes the longest match at each position and, on a
// tie, the rule listed first.

export type ConfigTokenKind =
  | 'whitespace'
  | 'comment'
  | 'id'
  | 'qualified-id'
  | 'string'
  | 'unquoted-string'
  | 'integer'
  | 'real'
  | 'equals'
  | 'error';

export interface ConfigToken {
  kind: ConfigTokenKind;
  /** Offset of the first character in the line. */
  start: number;
  /** Offset just past the last character. */
  end: number;
  text: string;
}

const L = 'A-Za-z_\\u0080-\\uFFFF';
const LD = 'A-Za-z_0-9\\u0080-\\uFFFF';
const ID = `[${L}][${LD}]*`;

// Rules in the scanner's order (the tie-breaker), grouped by the characters they can start with.
const letterRules: Array<[ConfigTokenKind, RegExp]> = [
  ['id', new RegExp(ID, 'y')],
  ['qualified-id', new RegExp(`${ID}\\.${ID}`, 'y')],
  // One class, not an alternation in a loop: that would keep a backtracking entry per character.
  ['unquoted-string', new RegExp(`[${L}][${LD}.:/-]*`, 'y')],
];
const numberRules: Array<[ConfigTokenKind, RegExp]> = [
  // INTEGER is {SIGN}?({DIGIT}+|0x{HEXDIGIT}+){UNIT_LETTER}*: both branches are tried, because a
  // regular expression alternation stops at the first branch that matches ("0" of "0x1F").
  ['integer', /[-+]?\d+[a-zA-Z]*/y],
  ['integer', /[-+]?0x[0-9a-fA-F]+[a-zA-Z]*/y],
  ['real', /[-+]?\d*\.\d*(?:[Ee][-+]?\d+)?/y],
];
// STRING, \'([^'\\\n]|\\.|\'\')*\', is matched by scanQuotedString, not by a regular expression.
const equalsRules: Array<[ConfigTokenKind, RegExp]> = [['equals', /=/y]];
const noRules: Array<[ConfigTokenKind, RegExp]> = [];

function rulesFor(code: number): Array<[ConfigTokenKind, RegExp]> {
  if ((code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95 || code >= 0x80) return letterRules;
  if ((code >= 48 && code <= 57) || code === 43 || code === 45 || code === 46) return numberRules;
  if (code === 61) return equalsRules;
  return noRules;
}

const whitespace = /[ \t\r]+/y;

/**
 * The end of the longest STRING token that starts with the quote at `at`, or -1: inside the
 * quotes anything but a quote, a backslash and a newline; a backslash and the character after it
 * (not a newline); or two quotes. Every quote reached outside such a pair ends a match; the last
 * one reached is the longest.
 */
function scanQuotedString(line: string, at: number): number {
  let end = -1;
  let i = at + 1;
  while (i < line.length) {
    const code = line.charCodeAt(i);
    if (code === 39) {
      end = i + 1;
      if (line.charCodeAt(i + 1) !== 39) break;
      i += 2;
    } else if (code === 92) {
      if (i + 1 >= line.length || line.charCodeAt(i + 1) === 10) break;
      i += 2;
    } else if (code === 10) {
      break;
    } else {
      i++;
    }
  }
  return end;
}

export interface LexConfigLineOptions {
  /**
   * Stop after this many tokens that are neither whitespace nor a comment (default: no limit).
   * A reader of one assignment needs four at most (the fourth is the error); without a limit a
   * line of 5 MB of stray characters would become millions of one-character error tokens.
   */
  maxSignificant?: number;
}

/**
 * Splits one line (without its line terminator) into tokens, whitespace and comments included,
 * so that concatenating the tokens' text gives the line back (up to `maxSignificant`).
 */
export function lexConfigLine(line: string, { maxSignificant = Infinity }: LexConfigLineOptions = {}): ConfigToken[] {
  const tokens: ConfigToken[] = [];
  let significant = 0;
  let at = 0;
  while (at < line.length && significant < maxSignificant) {
    const char = line[at]!;
    if (char === '#') {
      tokens.push({ kind: 'comment', start: at, end: line.length, text: line.slice(at) });
      break;
    }
    whitespace.lastIndex = at;
    if (whitespace.test(line)) {
      const end = whitespace.lastIndex;
      tokens.push({ kind: 'whitespace', start: at, end, text: line.slice(at, end) });
      at = end;
      continue;
    }
    let kind: ConfigTokenKind = 'error';
    let end = at + 1;
    const code = line.charCodeAt(at);
    if (code === 39) {
      const stringEnd = scanQuotedString(line, at);
      if (stringEnd !== -1) {
        kind = 'string';
        end = stringEnd;
      }
    }
    for (const [candidate, pattern] of rulesFor(code)) {
      pattern.lastIndex = at;
      if (pattern.test(line) && pattern.lastIndex > end - (kind === 'error' ? 1 : 0)) {
        kind = candidate;
        end = pattern.lastIndex;
      }
    }
    tokens.push({ kind, start: at, end, text: line.slice(at, end) });
    significant++;
    at = end;
  }
  return tokens;
}

/** Whether a token can be the name of an assignment. */
export function isNameToken(token: ConfigToken): boolean {
  return token.kind === 'id' || token.kind === 'qualified-id';
}

/** Whether a token can be the value of an assignment. */
export function isValueToken(token: ConfigToken): boolean {
  return (
    token.kind === 'id' ||
    token.kind === 'string' ||
    token.kind === 'integer' ||
    token.kind === 'real' ||
    token.kind === 'unquoted-string'
  );
}
