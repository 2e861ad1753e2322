// Splitting a .sql file the way psql does (PostgreSQL's src/fe_utils/psqlscan.l and
// src/bin/psql/copy.c): a statement ends at a semicolon outside quotes, comments, parentheses and
// the BEGIN … END body of a CREATE FUNCTION/PROCEDURE; a backslash outside them starts a psql
// meta-command that runs to the end of its line; the data of a `COPY … FROM stdin` starts on the
// line after the statement and runs to a line that is `\.` alone. One pass, linear in the text:
// every character is looked at a bounded number of times (a dollar quote's closing tag is found
// with indexOf, which does not go back).
//
// Like psql's scanner this works on characters and treats every one from U+0080 up as a letter.

export type SqlSegmentKind = 'statement' | 'meta-command' | 'copy-data' | 'space';

export interface SqlSegment {
  /**
   * `statement`: SQL text, from its first token to its terminating `;` (kept) or the end of the
   * input; `meta-command`: a psql backslash command, to the end of its line (the newline not
   * included); `copy-data`: the data of a `COPY … FROM stdin` with its terminating `\.` line;
   * `space`: whitespace and `--` comments between them, never sent to the server.
   */
  kind: SqlSegmentKind;
  text: string;
  /** Offset of the first character in the input. */
  start: number;
  /** 1-based line and column (in UTF-16 code units) of the first character. */
  line: number;
  column: number;
  /** statement: it ends with its `;` (false at the end of the input or before a meta-command). */
  terminated?: boolean;
  /** statement: a `COPY … FROM stdin`, whose `copy-data` segment comes next. */
  copyFromStdin?: boolean;
  /** statement: it holds nothing but block comments (psql would send it; the server ignores it). */
  empty?: boolean;
  /** copy-data: the rows to send, without the terminating `\.` line. */
  data?: string;
  /** copy-data: false when the input ended before a `\.` line (psql then ends the COPY there too). */
  hasTerminator?: boolean;
}

/** What the lexer reads between statements; the runner updates it from the server, as psql does. */
export interface SqlLexerState {
  /** Whether `'…'` strings take backslashes literally (the server's `standard_conforming_strings`). Default true. */
  standardConformingStrings: boolean;
}

const NEWLINE = 10;
const CR = 13;

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === NEWLINE || c === CR || c === 12 || c === 11;
}

function isIdentStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c >= 128;
}

function isIdentContinue(c: number): boolean {
  return isIdentStart(c) || (c >= 48 && c <= 57) || c === 36;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Where the line comment or whitespace run starting at `i` ends. */
function skipLineComment(text: string, i: number, limit: number): number {
  const end = text.indexOf('\n', i);
  return end === -1 || end >= limit ? limit : end;
}

/** Past a (nested) block comment starting at `i` (which is at `/*`); the limit when unterminated. */
function skipBlockComment(text: string, i: number, limit: number): number {
  let depth = 1;
  i += 2;
  while (i < limit) {
    const c = text.charCodeAt(i);
    if (c === 42 && text.charCodeAt(i + 1) === 47 && i + 1 < limit) {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else if (c === 47 && text.charCodeAt(i + 1) === 42 && i + 1 < limit) {
      depth++;
      i += 2;
    } else {
      i++;
    }
  }
  return limit;
}

/** Past a quoted run starting after its opening `quote`; `''` (or `""`) is an escaped quote; with `backslashes`, `\x` escapes x. */
function skipQuoted(text: string, i: number, limit: number, quote: number, backslashes: boolean): number {
  while (i < limit) {
    const c = text.charCodeAt(i);
    if (backslashes && c === 92) {
      i += 2;
    } else if (c === quote) {
      if (text.charCodeAt(i + 1) === quote && i + 1 < limit) i += 2;
      else return i + 1;
    } else {
      i++;
    }
  }
  return limit;
}

/** The dollar-quote delimiter (`$tag$` or `$$`) starting at `i`, or null when `$` starts none there. */
function dollarTagAt(text: string, i: number, limit: number): string | null {
  let j = i + 1;
  if (j < limit && text.charCodeAt(j) === 36) return '$$';
  if (j >= limit || !isIdentStart(text.charCodeAt(j))) return null;
  j++;
  while (j < limit) {
    const c = text.charCodeAt(j);
    if (c === 36) return text.slice(i, j + 1);
    // A tag is an identifier without `$`: {dolq_start}{dolq_cont}*.
    if (!(isIdentStart(c) || isDigit(c))) return null;
    j++;
  }
  return null;
}

interface StatementEnd {
  /** Offset just past the statement (past its `;` when terminated). */
  end: number;
  terminated: boolean;
  copyFromStdin: boolean;
  /** Whether it held any token other than block comments. */
  hasTokens: boolean;
}

/**
 * Scans one statement starting at `start` (a token, not whitespace) up to its `;`, a backslash,
 * or `limit`. Tracks what psql tracks: parenthesis depth, and, in a statement that starts with
 * CREATE [OR REPLACE] FUNCTION|PROCEDURE, the depth of BEGIN … END (with CASE … END inside).
 */
function scanStatement(text: string, start: number, limit: number, state: SqlLexerState, topLevelNewlines?: number[]): StatementEnd {
  let i = start;
  let parenDepth = 0;
  let beginDepth = 0;
  let wordCount = 0;
  // psqlscan.l keeps the first letters of create/or/replace/function/procedure by position.
  const lead = ['', '', '', ''];
  let isCopy = false;
  let previousWord = '';
  let copyFromStdin = false;
  let hasTokens = false;

  while (i < limit) {
    const c = text.charCodeAt(i);
    if (isSpace(c)) {
      if (c === NEWLINE) topLevelNewlines?.push(i);
      i++;
      continue;
    }
    if (c === 45 && text.charCodeAt(i + 1) === 45 && i + 1 < limit) {
      i = skipLineComment(text, i, limit);
      continue;
    }
    if (c === 47 && text.charCodeAt(i + 1) === 42 && i + 1 < limit) {
      i = skipBlockComment(text, i, limit);
      continue;
    }
    hasTokens = true;
    if (c === 59) {
      if (parenDepth === 0 && beginDepth === 0) return { end: i + 1, terminated: true, copyFromStdin, hasTokens };
      previousWord = '';
      i++;
      continue;
    }
    if (c === 92) return { end: i, terminated: false, copyFromStdin, hasTokens };
    if (c === 39) {
      i = skipQuoted(text, i + 1, limit, 39, !state.standardConformingStrings);
      previousWord = '';
      continue;
    }
    if (c === 34) {
      i = skipQuoted(text, i + 1, limit, 34, false);
      previousWord = '';
      continue;
    }
    if (c === 36) {
      if (i + 1 < limit && isDigit(text.charCodeAt(i + 1))) {
        i += 2;
        while (i < limit && isDigit(text.charCodeAt(i))) i++;
      } else {
        const tag = dollarTagAt(text, i, limit);
        if (tag === null) {
          i++;
        } else {
          const close = text.indexOf(tag, i + tag.length);
          i = close === -1 || close + tag.length > limit ? limit : close + tag.length;
        }
      }
      previousWord = '';
      continue;
    }
    if (isIdentStart(c)) {
      const next = i + 1 < limit ? text.charCodeAt(i + 1) : -1;
      // Prefixed strings: E'…' (backslash escapes), B'…', X'…', N'…' (standard), U&'…' and U&"…".
      if (next === 39) {
        const lower = c | 32;
        if (lower === 101) {
          i = skipQuoted(text, i + 2, limit, 39, true);
          previousWord = '';
          continue;
        }
        if (lower === 98 || lower === 120 || lower === 110) {
          i = skipQuoted(text, i + 2, limit, 39, !state.standardConformingStrings && lower === 110);
          previousWord = '';
          continue;
        }
      }
      if ((c | 32) === 117 && next === 38 && i + 2 < limit) {
        const quote = text.charCodeAt(i + 2);
        if (quote === 39 || quote === 34) {
          i = skipQuoted(text, i + 3, limit, quote, false);
          previousWord = '';
          continue;
        }
      }
      let j = i + 1;
      while (j < limit && isIdentContinue(text.charCodeAt(j))) j++;
      const isRoutine =
        lead[0] === 'c' && (lead[1] === 'f' || lead[1] === 'p' || (lead[1] === 'o' && lead[2] === 'r' && (lead[3] === 'f' || lead[3] === 'p')));
      // The word itself matters only at the start, in a routine's body, and in a COPY.
      const word = j - i <= 9 && (wordCount < 4 || isRoutine || isCopy) ? text.slice(i, j).toLowerCase() : '';
      if (wordCount < 4 && (word === 'create' || word === 'function' || word === 'procedure' || word === 'or' || word === 'replace')) {
        lead[wordCount] = word[0]!;
      }
      if (wordCount === 0 && word === 'copy') isCopy = true;
      wordCount++;
      if (isRoutine && parenDepth === 0) {
        if (word === 'begin') beginDepth++;
        else if (word === 'case' && beginDepth >= 1) beginDepth++;
        else if (word === 'end' && beginDepth > 0) beginDepth--;
      }
      if (isCopy && parenDepth === 0 && previousWord === 'from' && word === 'stdin') copyFromStdin = true;
      previousWord = word;
      i = j;
      continue;
    }
    if (isDigit(c)) {
      // A number, with what may follow it in one token (1.5e3, 0x1F, 1_000).
      i++;
      while (i < limit) {
        const d = text.charCodeAt(i);
        if (!(isDigit(d) || (d >= 97 && d <= 122) || (d >= 65 && d <= 90) || d === 95 || d === 46)) break;
        i++;
      }
      previousWord = '';
      continue;
    }
    if (c === 40) parenDepth++;
    else if (c === 41 && parenDepth > 0) parenDepth--;
    previousWord = '';
    i++;
  }
  return { end: limit, terminated: false, copyFromStdin, hasTokens };
}

/** Past whitespace and `--` comments from `i` (what psql drops before a statement). */
function skipSpace(text: string, i: number, limit: number): number {
  while (i < limit) {
    const c = text.charCodeAt(i);
    if (isSpace(c)) i++;
    else if (c === 45 && text.charCodeAt(i + 1) === 45 && i + 1 < limit) i = skipLineComment(text, i, limit);
    else break;
  }
  return i;
}

/** Offset of the end of the line holding `i` (its `\n`, or the end of the input). */
function lineEnd(text: string, i: number): number {
  const end = text.indexOf('\n', i);
  return end === -1 ? text.length : end;
}

/** Line and column bookkeeping that only moves forward, so counting stays linear overall. */
class Positions {
  readonly #text: string;
  #line: number;
  #lineStart: number;
  /** The first newline at or after the line start, or the text's length: searched for once per line. */
  #nextNewline: number;

  constructor(text: string, line = 1, lineStart = 0, nextNewline = -2) {
    this.#text = text;
    this.#line = line;
    this.#lineStart = lineStart;
    this.#nextNewline = nextNewline === -2 ? this.#find(lineStart) : nextNewline;
  }

  #find(from: number): number {
    const found = this.#text.indexOf('\n', from);
    return found === -1 ? this.#text.length : found;
  }

  /** Line and column of `offset`, which must not be before the line of the last offset asked for. */
  at(offset: number): { line: number; column: number } {
    while (this.#nextNewline < offset) {
      this.#line++;
      this.#lineStart = this.#nextNewline + 1;
      this.#nextNewline = this.#find(this.#lineStart);
    }
    return { line: this.#line, column: offset - this.#lineStart + 1 };
  }

  /** A second bookkeeper that goes on from here while this one moves ahead. */
  fork(): Positions {
    return new Positions(this.#text, this.#line, this.#lineStart, this.#nextNewline);
  }
}

/**
 * The segments of a psql script in the order psql runs them. Joined in `start` order they give
 * back the input exactly. Lazy: each statement is scanned only when asked for, with the `state`
 * as it is then, so a runner that updates `state.standardConformingStrings` after a `SET` is read
 * by the statements after it (psql does the same from the server's reports).
 *
 * One order differs from the text: SQL after a `COPY … FROM stdin;` on the same line runs after
 * the COPY's data (which starts on the next line), as in psql; those segments come after the
 * `copy-data` one.
 */
export function* scanSql(text: string, state: SqlLexerState = { standardConformingStrings: true }): Generator<SqlSegment, void, undefined> {
  const positions = new Positions(text);
  let i = 0;
  while (i < text.length) {
    const found = yield* scanStretch(text, i, text.length, state, positions, true);
    if (found === null) return;
    // A COPY … FROM stdin ended at `found`: its data starts on the next line, and the rest of
    // this line runs after it (copy.c reads the data from the file, past the line psql has read).
    const restEnd = lineEnd(text, found);
    const dataStart = Math.min(restEnd + 1, text.length);
    let dataEnd = text.length;
    let blockEnd = text.length;
    let hasTerminator = false;
    for (let lineStart = dataStart; lineStart < text.length; ) {
      const end = lineEnd(text, lineStart);
      const contentEnd = end > lineStart && text.charCodeAt(end - 1) === CR ? end - 1 : end;
      if (contentEnd - lineStart === 2 && text.charCodeAt(lineStart) === 92 && text.charCodeAt(lineStart + 1) === 46) {
        dataEnd = lineStart;
        blockEnd = Math.min(end + 1, text.length);
        hasTerminator = true;
        break;
      }
      lineStart = end + 1;
    }
    positions.at(found);
    const restPositions = positions.fork();
    yield makeSegment(text, positions, 'copy-data', dataStart, blockEnd, { data: text.slice(dataStart, dataEnd), hasTerminator });
    // Within one line: a COPY there would need a second data block; it goes as a plain statement.
    yield* scanStretch(text, found, dataStart, state, restPositions, false);
    i = blockEnd;
  }
}

function makeSegment(text: string, positions: Positions, kind: SqlSegmentKind, start: number, end: number, extra?: Partial<SqlSegment>): SqlSegment {
  const { line, column } = positions.at(start);
  const segment: SqlSegment = { kind, text: text.slice(start, end), start, line, column };
  return extra === undefined ? segment : Object.assign(segment, extra);
}

/**
 * The segments of text[from, to). With `stopAtCopy`, returns the offset just past the first
 * `COPY … FROM stdin;` (its data is the caller's), else null at the end of the stretch.
 */
function* scanStretch(
  text: string,
  from: number,
  to: number,
  state: SqlLexerState,
  positions: Positions,
  stopAtCopy: boolean,
): Generator<SqlSegment, number | null, undefined> {
  let i = from;
  while (i < to) {
    const tokenStart = skipSpace(text, i, to);
    if (tokenStart > i) yield makeSegment(text, positions, 'space', i, tokenStart);
    i = tokenStart;
    if (i >= to) break;
    if (text.charCodeAt(i) === 92) {
      const end = Math.min(lineEnd(text, i), to);
      yield makeSegment(text, positions, 'meta-command', i, end);
      i = end;
      continue;
    }
    const found = scanStatement(text, i, to, state);
    const copyFromStdin = stopAtCopy && found.copyFromStdin && found.terminated;
    yield makeSegment(text, positions, 'statement', i, found.end, { terminated: found.terminated, copyFromStdin, empty: !found.hasTokens });
    i = found.end;
    if (copyFromStdin) return i;
  }
  return null;
}

/** A statement as psql sends it (see {@link psqlQueryText}), and the line of the statement's text each of its lines comes from. */
export interface PsqlQuery {
  text: string;
  /** For each line of `text`, the 0-based line of the statement's text it was read from. */
  sourceLines: number[];
}

/**
 * The text psql sends for a statement segment: psql reads a file line by line, strips each
 * line's `\n` (a `\r` before it stays), skips a line that is empty outside quotes and comments,
 * and joins the rest with `\n`. The server's error positions (and psql's `LINE n:`) count in
 * this text.
 */
export function psqlQueryText(statement: string, state: SqlLexerState = { standardConformingStrings: true }): PsqlQuery {
  const topLevel = new Set<number>();
  const newlines: number[] = [];
  scanStatement(statement, 0, statement.length, state, newlines);
  for (const offset of newlines) topLevel.add(offset);
  const lines: string[] = [];
  const sourceLines: number[] = [];
  let lineStart = 0;
  for (let index = 0; lineStart <= statement.length; index++) {
    const newline = statement.indexOf('\n', lineStart);
    const end = newline === -1 ? statement.length : newline;
    const line = statement.slice(lineStart, end);
    const isLast = newline === -1;
    // The line after the final newline is no line psql reads; an empty line after a newline
    // outside quotes is skipped.
    const skip = line === '' && (isLast ? index > 0 : index > 0 && topLevel.has(lineStart - 1));
    if (!skip) {
      lines.push(line);
      sourceLines.push(index);
    }
    if (isLast) break;
    lineStart = newline + 1;
  }
  return { text: lines.join('\n'), sourceLines };
}

/** All segments of a script at once (see {@link scanSql}), for a fixed `standard_conforming_strings`. */
export function splitSql(text: string, options: Partial<SqlLexerState> = {}): SqlSegment[] {
  return [...scanSql(text, { standardConformingStrings: options.standardConformingStrings ?? true })];
}
