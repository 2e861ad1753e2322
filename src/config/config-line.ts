// One physical line of postgresql.conf and what the server reads from it. The server reads a
// file as a sequence of lines, each empty, a comment, or one assignment `name [=] value`
// followed by nothing but an optional comment; anything else makes the line a syntax error.
import type { ConfigEncoding } from './config-encoding.js';
import { type ConfigToken, isNameToken, isValueToken, lexConfigLine } from './config-lexer.js';
import { unquoteConfigString } from './config-quoting.js';

export type LineEnding = '' | '\n' | '\r\n';

export type IncludeDirective = 'include' | 'include_if_exists' | 'include_dir';

/** An assignment found on a line: active, or commented out (`#work_mem = 4MB`). */
export interface ParsedAssignment {
  /** The name as written. */
  name: string;
  /** The name as the server compares it: ASCII letters folded to lower case. */
  key: string;
  /** The value the server reads (quotes and escapes resolved). */
  value: string;
  /** The value token as written, quotes included. */
  rawValue: string;
  isQuoted: boolean;
  isCommentedOut: boolean;
  /** `include`, `include_if_exists` or `include_dir` when the line is a directive. */
  directive: IncludeDirective | undefined;
  /** The trailing comment, `#` included, if any. */
  comment: string | undefined;
  /** Offsets into the line text. */
  hashStart: number;
  nameStart: number;
  nameEnd: number;
  valueStart: number;
  valueEnd: number;
}

/** A line the server cannot read. Kept as it is; reported as a diagnostic. */
export interface ParsedSyntaxError {
  /** 1-based column of the offending token (or of the line end). */
  column: number;
  /** The token the server complains about, or undefined for "near end of line". */
  token: string | undefined;
}

export interface ParsedLine {
  text: string;
  eol: LineEnding;
  kind: 'blank' | 'comment' | 'assignment' | 'invalid';
  assignment: ParsedAssignment | undefined;
  error: ParsedSyntaxError | undefined;
}

/** Folds a setting name the way the server compares names (guc_name_compare): ASCII only. */
export function foldSettingName(name: string): string {
  return name.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

function directiveOf(key: string): IncludeDirective | undefined {
  return key === 'include' || key === 'include_if_exists' || key === 'include_dir' ? key : undefined;
}

type Outcome = { assignment: ParsedAssignment } | { error: ParsedSyntaxError };

/**
 * Reads tokens as the server's ParseConfigFp loop does for one line. `offset` and `hashStart`
 * place a commented-out assignment (read from the text after its `#`) in its line.
 */
function readAssignment(tokens: ConfigToken[], lineLength: number, hashStart: number, encoding: ConfigEncoding): Outcome | undefined {
  const isCommentedOut = hashStart >= 0;
  const offset = hashStart + 1;
  const significant = tokens.filter((t) => t.kind !== 'whitespace' && t.kind !== 'comment');
  const first = significant[0];
  if (first === undefined) return undefined;
  const near = (token: ConfigToken | undefined): Outcome =>
    token === undefined
      ? { error: { column: lineLength + 1, token: undefined } }
      : { error: { column: token.start + 1, token: token.text } };
  if (!isNameToken(first)) return near(first);
  let index = 1;
  if (significant[index]?.kind === 'equals') index++;
  // A commented-out assignment needs its `=`, so that prose (`# see above`) is not one.
  else if (isCommentedOut) return near(significant[index]);
  const valueToken = significant[index];
  if (valueToken === undefined || !isValueToken(valueToken)) return near(valueToken);
  const extra = significant[index + 1];
  if (extra !== undefined) return near(extra);
  const isQuoted = valueToken.kind === 'string';
  const comment = tokens.find((t) => t.kind === 'comment');
  const key = foldSettingName(first.text);
  return {
    assignment: {
      name: first.text,
      key,
      value: isQuoted ? unquoteConfigString(valueToken.text, { encoding }) : valueToken.text,
      rawValue: valueToken.text,
      isQuoted,
      isCommentedOut,
      directive: directiveOf(key),
      comment: comment?.text,
      hashStart,
      nameStart: first.start + offset,
      nameEnd: first.end + offset,
      valueStart: valueToken.start + offset,
      valueEnd: valueToken.end + offset,
    },
  };
}

/**
 * Parses one line (its text without the line ending). `encoding` is the one the file was read
 * with: it decides what an octal escape in a quoted value stands for.
 */
export function parseConfigLine(text: string, eol: LineEnding, encoding: ConfigEncoding = 'utf8'): ParsedLine {
  // Four significant tokens decide a line: name, `=`, value, and the one that makes it an error.
  const tokens = lexConfigLine(text, { maxSignificant: 4 });
  const outcome = readAssignment(tokens, text.length, -1, encoding);
  if (outcome === undefined) {
    const comment = tokens.find((t) => t.kind === 'comment');
    if (comment === undefined) return { text, eol, kind: 'blank', assignment: undefined, error: undefined };
    return { text, eol, kind: 'comment', assignment: commentedOut(text, comment.start, encoding), error: undefined };
  }
  if ('error' in outcome) return { text, eol, kind: 'invalid', assignment: undefined, error: outcome.error };
  return { text, eol, kind: 'assignment', assignment: outcome.assignment, error: undefined };
}

/**
 * A comment line that holds an assignment once its `#` is taken away, like the sample file's
 * `#work_mem = 4MB  # min 64kB`.
 */
function commentedOut(text: string, hashStart: number, encoding: ConfigEncoding): ParsedAssignment | undefined {
  const rest = text.slice(hashStart + 1);
  if (!rest.includes('=')) return undefined;
  const outcome = readAssignment(lexConfigLine(rest, { maxSignificant: 4 }), rest.length, hashStart, encoding);
  return outcome === undefined || 'error' in outcome ? undefined : outcome.assignment;
}

/** Splits text into lines, each with its own line ending, so that joining them gives the text. */
export function splitConfigLines(text: string): Array<{ text: string; eol: LineEnding }> {
  const lines: Array<{ text: string; eol: LineEnding }> = [];
  let start = 0;
  while (start < text.length) {
    const newline = text.indexOf('\n', start);
    if (newline === -1) {
      lines.push({ text: text.slice(start), eol: '' });
      break;
    }
    if (newline > start && text.charCodeAt(newline - 1) === 13) {
      lines.push({ text: text.slice(start, newline - 1), eol: '\r\n' });
    } else {
      lines.push({ text: text.slice(start, newline), eol: '\n' });
    }
    start = newline + 1;
  }
  return lines;
}
