// What the server makes of one tokenized pg_ident.conf line (hba.c, parse_ident_line).
import { type LexedLine, LATEST_MAJOR } from './auth-lexer.js';
import { toModelValue } from './hba-rule.js';
import { regexErrorMessage } from './auth-regex.js';

/** One line of pg_ident.conf: map name, operating system user (or `/regex`), database user. */
export interface IdentMapping {
  map: string;
  /** The system user name, or a regular expression when it starts with `/` (its first group fills `\1` in pgUser). */
  systemUser: string;
  /** The database user; from 16 on also `all` or `+role`. A name that would read as those is held quoted (`"all"`). */
  pgUser: string;
}

export type IdentRecord =
  | { kind: 'empty'; hasComment: boolean }
  | { kind: 'mapping'; mapping: IdentMapping }
  | { kind: 'include'; directive: 'include' | 'include_if_exists' | 'include_dir'; path: string }
  /** `isRegex`: the line holds a regular expression the server cannot compile. */
  | { kind: 'invalid'; message: string; offset: number; isRegex?: boolean };

export function interpretIdentLine(line: LexedLine, options: { major?: number } = {}): IdentRecord {
  const major = options.major ?? LATEST_MAJOR;
  if (line.error !== undefined) return { kind: 'invalid', message: line.error, offset: 0 };
  const fields = line.fields;
  if (fields.length === 0) return { kind: 'empty', hasComment: line.commentStart !== -1 };
  if (major >= 16 && fields.length === 2) {
    const first = fields[0]!.tokens[0]!.value;
    if (first === 'include' || first === 'include_if_exists' || first === 'include_dir') {
      return { kind: 'include', directive: first, path: fields[1]!.tokens[0]!.value };
    }
  }
  for (let i = 0; i < 3; i++) {
    const field = fields[i];
    if (!field) return { kind: 'invalid', message: 'missing entry at end of line', offset: line.content.length };
    if (field.tokens.length > 1) return { kind: 'invalid', message: 'multiple values in ident field', offset: field.start };
  }
  const token = (i: number) => fields[i]!.tokens[0]!;
  // Once the fields are checked, the server compiles the system user's regular expression, and
  // from 16 on the database user's.
  for (const i of major >= 16 ? [1, 2] : [1]) {
    const message = regexErrorMessage(token(i).value);
    if (message !== undefined) return { kind: 'invalid', message, offset: token(i).start, isRegex: true };
  }
  return {
    kind: 'mapping',
    mapping: {
      map: toModelValue(token(0), 'plain'),
      systemUser: toModelValue(token(1), 'plain'),
      pgUser: toModelValue(token(2), major >= 16 ? 'user' : 'plain'),
    },
  };
}
