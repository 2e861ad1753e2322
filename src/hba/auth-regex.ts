// Regular expressions of pg_hba.conf (`/regex` in the database and user columns, 16+) and
// pg_ident.conf (`/regex` system user in every major; database user too from 16 on), which the
// server compiles as it reads the file (hba.c, regcomp_auth_token) with PostgreSQL's own engine:
// Henry Spencer's ARE, whose syntax is not JavaScript's. This module does not compile AREs. It
// reports the errors that are certain: a pattern with unbalanced parentheses or brackets, a
// quantifier with nothing to repeat, a bound `{m,n}` with m > n, a range out of order or a
// trailing backslash, found before anything this scanner does not know (it gives up there), and
// that JavaScript's RegExp rejects as well. What only one engine rejects is not reported: see
// docs/hba.md, "Regular expressions".

/** pg_regerror's texts (src/include/regex/regerrs.h) for the errors this module can be sure of. */
const REG_EPAREN = 'parentheses () not balanced';
const REG_EBRACK = 'brackets [] not balanced';
const REG_BADRPT = 'quantifier operand invalid';
const REG_BADBR = 'invalid repetition count(s)';
const REG_ERANGE = 'invalid character range';
const REG_EESCAPE = 'invalid escape \\ sequence';

/** RE_DUP_MAX of PostgreSQL's regex engine: the largest count in a bound. */
const DUP_MAX = 255;

/** Escapes that mean the same character class or character in ARE and in JavaScript. */
const CLASS_ESCAPES = new Set(['d', 'D', 's', 'S', 'w', 'W']);
const CHARACTER_ESCAPES = new Map([['n', 10], ['r', 13], ['t', 9], ['f', 12], ['v', 11]]);
const CLASS_NAMES = new Set(['alnum', 'alpha', 'blank', 'cntrl', 'digit', 'graph', 'lower', 'print', 'punct', 'space', 'upper', 'xdigit', 'word']);

/** The scanner met something it does not model: no verdict. */
class Unknown {}
const UNKNOWN = new Unknown();

class Failure {
  constructor(readonly reason: string) {}
}

const isAlphanumeric = (c: string): boolean => /^[0-9A-Za-z]$/.test(c);
const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

/** Inside brackets, whether lexing the token at `i` fails (EBRACK) or might (UNKNOWN). */
function checkLookahead(p: string, i: number): void {
  const c = p[i];
  if (c === undefined) throw new Failure(REG_EBRACK);
  if (c === '[') {
    if (i + 1 >= p.length) throw new Failure(REG_EBRACK);
    if (p[i + 1] === ':' || p[i + 1] === '.' || p[i + 1] === '=') throw UNKNOWN;
  }
  if (c === '\\') {
    const next = p[i + 1];
    if (next === undefined || (isAlphanumeric(next) && !CLASS_ESCAPES.has(next) && !CHARACTER_ESCAPES.has(next))) throw UNKNOWN;
  }
}

/** One bracket expression from `[` at `start`; returns the index after its `]`. */
function scanBracket(p: string, start: number): number {
  let i = start + 1;
  if (p[i] === '^') i++;
  let first = true;
  // One member: a character (its code point) or a class (undefined); throws at the end.
  const member = (): number | undefined => {
    if (i >= p.length) throw new Failure(REG_EBRACK);
    const c = p[i]!;
    if (c === '[' && (p[i + 1] === ':' || p[i + 1] === '.' || p[i + 1] === '=')) {
      if (p[i + 1] !== ':') throw UNKNOWN;
      const close = p.indexOf(':]', i + 2);
      if (close === -1 || !CLASS_NAMES.has(p.slice(i + 2, close))) throw UNKNOWN;
      i = close + 2;
      return undefined;
    }
    if (c === '\\') {
      const next = p[i + 1];
      if (next === undefined) throw UNKNOWN;
      i += 2;
      if (!isAlphanumeric(next)) return next.codePointAt(0);
      if (CLASS_ESCAPES.has(next)) return undefined;
      const code = CHARACTER_ESCAPES.get(next);
      if (code === undefined) throw UNKNOWN;
      return code;
    }
    const code = p.codePointAt(i)!;
    // Beyond the BMP JavaScript (without the u flag) sees two code units: no verdict on ranges.
    if (code > 0xffff) throw UNKNOWN;
    i++;
    return code;
  };
  for (;;) {
    if (i >= p.length) throw new Failure(REG_EBRACK);
    if (p[i] === ']' && !first) return i + 1;
    first = false;
    const from = member();
    if (p[i] !== '-' || p[i + 1] === ']' || i + 1 >= p.length) continue;
    i++; // the range's `-`
    const to = member();
    if (from === undefined || to === undefined) throw UNKNOWN;
    // The server reads the token after the range before it checks the range: an error there comes first.
    checkLookahead(p, i);
    if (from > to) throw new Failure(REG_ERANGE);
    // `a-b-c`: PostgreSQL refuses a range that continues, JavaScript reads a `-`.
    if (p[i] === '-' && p[i + 1] !== ']') throw UNKNOWN;
  }
}

/** Walks a pattern the way the ARE parser meets it; throws Failure for a certain error, UNKNOWN to give up. */
function scan(p: string): void {
  // `***:` and `***=` directors, and embedded options, change how the rest reads.
  if (p.startsWith('***')) throw UNKNOWN;
  // A stack of open groups: whether each is a lookaround constraint (which no quantifier may follow).
  const groups: boolean[] = [];
  // What the last item was: something a quantifier may follow, a quantifier, a greedy-switch `?`, or neither.
  let last: 'atom' | 'constraint' | 'quantifier' | 'lazy' | 'start' = 'start';
  let i = 0;
  const quantify = (): 'quantifier' => {
    if (last !== 'atom') throw new Failure(REG_BADRPT);
    return 'quantifier';
  };
  while (i < p.length) {
    const c = p[i]!;
    switch (c) {
      case '\\': {
        const next = p[i + 1];
        if (next === undefined) throw new Failure(REG_EESCAPE);
        if (isAlphanumeric(next) && !CLASS_ESCAPES.has(next) && !CHARACTER_ESCAPES.has(next)) throw UNKNOWN;
        i += 2;
        last = 'atom';
        break;
      }
      case '[':
        i = scanBracket(p, i);
        last = 'atom';
        break;
      case '(': {
        let isLookaround = false;
        if (p[i + 1] === '?') {
          const form = ['(?:', '(?=', '(?!', '(?<=', '(?<!'].find((f) => p.startsWith(f, i));
          if (form === undefined) throw UNKNOWN;
          isLookaround = form !== '(?:';
          i += form.length;
        } else {
          i++;
        }
        groups.push(isLookaround);
        last = 'start';
        break;
      }
      case ')':
        if (groups.length === 0) throw new Failure(REG_EPAREN);
        last = groups.pop() ? 'constraint' : 'atom';
        i++;
        break;
      case '|':
        last = 'start';
        i++;
        break;
      case '^':
      case '$':
        last = 'constraint';
        i++;
        break;
      case '*':
      case '+':
        last = quantify();
        i++;
        break;
      case '?':
        // After a quantifier, `?` makes it non-greedy; once.
        if (last === 'quantifier') last = 'lazy';
        else last = quantify();
        i++;
        break;
      case '{': {
        if (!isDigit(p[i + 1])) {
          // Not a bound: a plain character in both engines.
          last = 'atom';
          i++;
          break;
        }
        const bound = /^\{([0-9]+)(,([0-9]*))?\}/.exec(p.slice(i));
        if (!bound) throw UNKNOWN; // `a{2` and the like: PostgreSQL refuses, JavaScript reads characters
        last = quantify();
        const low = Number(bound[1]);
        const high = bound[2] === undefined ? low : bound[3] === '' ? undefined : Number(bound[3]);
        if (low > DUP_MAX || (high !== undefined && (high > DUP_MAX || low > high))) throw new Failure(REG_BADBR);
        i += bound[0].length;
        break;
      }
      default: {
        const code = p.codePointAt(i)!;
        i += code > 0xffff ? 2 : 1;
        last = 'atom';
      }
    }
  }
  if (groups.length > 0) throw new Failure(REG_EPAREN);
}

/**
 * PostgreSQL's reason for refusing `pattern` (the text after the `/`), when it certainly does and
 * JavaScript's RegExp refuses it too; undefined otherwise (which does not promise that the server
 * accepts it).
 */
export function findRegexError(pattern: string): string | undefined {
  let reason: string | undefined;
  try {
    scan(pattern);
    return undefined;
  } catch (error) {
    if (!(error instanceof Failure)) return undefined;
    reason = error.reason;
  }
  try {
    new RegExp(pattern);
    return undefined;
  } catch {
    return reason;
  }
}

/** The server's message for a `/regex` token it refuses (pg_hba_file_rules.error), when certain. */
export function regexErrorMessage(token: string): string | undefined {
  if (!token.startsWith('/')) return undefined;
  const pattern = token.slice(1);
  const reason = findRegexError(pattern);
  return reason === undefined ? undefined : `invalid regular expression "${pattern}": ${reason}`;
}
