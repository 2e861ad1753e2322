// The concrete syntax of an authentication file (pg_hba.conf, pg_ident.conf): a list of logical
// lines, each keeping its exact text and line ending, so printing is plain concatenation. Edits
// splice whole logical lines; this is where line endings, the final newline and the comment
// block that belongs to an entry are handled, for both files alike.
import { type ContentMap, joinLogicalLines, type LexedLine, lexLogicalLine, type LogicalLine, splitPhysicalLines, textOffsetOf } from './auth-lexer.js';

export type EntryKind = 'blank' | 'comment' | 'item' | 'include' | 'invalid';

export interface Entry<T> {
  text: string;
  eol: string;
  lineCount: number;
  kind: EntryKind;
  /** The parsed item (a rule, a mapping), for `item` entries. */
  item?: T;
  include?: { kind: 'include' | 'include_if_exists' | 'include_dir'; path: string };
  /**
   * Why the server rejects the line; `column` is 1-based. `isRegex`: a regular expression it cannot
   * compile. `isSilent`: the server sets no error text for it (see HbaDiagnostic).
   */
  error?: { message: string; column: number; isRegex?: boolean; isSilent?: boolean };
  lexed?: LexedLine;
}

export type Classifier<T> = (lexed: LexedLine) => Omit<Entry<T>, 'text' | 'eol' | 'lineCount' | 'lexed'>;

/** Lexes one logical line and classifies it. */
export function makeEntry<T>(line: LogicalLine, major: number, classify: Classifier<T>): Entry<T> {
  const { map, lexed } = lexLogicalLine(line, { major });
  const info = classify(lexed);
  // Every entry gets the same shape, so that walking thousands of them stays fast.
  const entry: Entry<T> = {
    text: line.text,
    eol: line.eol,
    lineCount: line.lineCount,
    kind: info.kind,
    item: info.item,
    include: info.include,
    error: info.error,
    lexed,
  };
  if (entry.error) entry.error = { ...entry.error, column: columnAt(line.text, map, entry.error.column) };
  return entry;
}

/** The 1-based column, in its physical line, of content offset `offset` of a logical line (`map` from logicalContent). */
export function columnAt(text: string, map: ContentMap, offset: number): number {
  const at = textOffsetOf(map, offset);
  return at - (at === 0 ? 0 : text.lastIndexOf('\n', at - 1) + 1) + 1;
}

export class AuthDocument<T> {
  entries: Entry<T>[];
  readonly eol: string;
  private itemIndexCache: number[] | undefined;
  private lineCache: number[] | undefined;

  constructor(
    text: string,
    readonly major: number,
    private readonly classify: Classifier<T>,
  ) {
    const logical = joinLogicalLines(splitPhysicalLines(text), { major });
    this.entries = logical.map((line) => makeEntry(line, major, classify));
    const crlf = (text.match(/\r\n/g) ?? []).length;
    const lf = (text.match(/\n/g) ?? []).length - crlf;
    this.eol = crlf > lf ? '\r\n' : '\n';
  }

  toString(): string {
    let out = '';
    for (const entry of this.entries) out += entry.text + entry.eol;
    return out;
  }

  /** Builds the entry for a line of text we wrote, classified the same way as read ones. */
  entryFor(text: string): Entry<T> {
    // Before 14 the line ending counts toward the server's line buffer (MAX_LINE).
    const logical = joinLogicalLines(splitPhysicalLines(this.major < 14 ? text + this.eol : text), { major: this.major });
    if (logical.length !== 1) throw new Error(`internal: expected one logical line, got ${logical.length}`);
    return makeEntry({ ...logical[0]!, eol: this.eol }, this.major, this.classify);
  }

  itemIndexes(): number[] {
    if (!this.itemIndexCache) {
      this.itemIndexCache = [];
      this.entries.forEach((e, i) => {
        if (e.kind === 'item') this.itemIndexCache!.push(i);
      });
    }
    return this.itemIndexCache;
  }

  /** 1-based line number of an entry's first physical line. */
  lineOf(entryIndex: number): number {
    if (!this.lineCache) {
      this.lineCache = [];
      let line = 1;
      for (const e of this.entries) {
        this.lineCache.push(line);
        line += e.lineCount;
      }
    }
    return this.lineCache[entryIndex]!;
  }

  /**
   * The first entry of the comment block that describes the entry at `index`: the comment-only
   * lines directly above it, with no blank line between. A column header (`# TYPE  DATABASE …`)
   * stays where it is.
   */
  commentBlockStart(index: number): number {
    let start = index;
    while (start > 0) {
      const prev = this.entries[start - 1]!;
      if (prev.kind !== 'comment' || /^\s*#\s*(TYPE\s+DATABASE|MAPNAME\s+SYSTEM-USERNAME)/.test(prev.text)) break;
      start--;
    }
    return start;
  }

  /**
   * The first entry that goes with the entry at `index` when it is removed or moved: its comment
   * block (commentBlockStart) when the block describes it alone, that is when the entry is the
   * only one under the block (the line after it is blank, a comment, or the end of the file);
   * `index` itself otherwise, so that a comment heading a group (initdb's "Allow replication
   * connections…" above three rules) stays, above the entry that then comes first.
   */
  ownCommentStart(index: number): number {
    const next = this.entries[index + 1];
    const isAlone = next === undefined || next.kind === 'blank' || next.kind === 'comment';
    return isAlone ? this.commentBlockStart(index) : index;
  }

  /**
   * Inserts entries before position `at` (entries.length appends), keeping a missing final newline
   * missing; returns where they went: before the first piece of a physical line the server reads
   * in pieces (MAX_LINE, before 14), never between its pieces.
   */
  insertEntries(at: number, added: Entry<T>[]): number {
    while (at > 0 && at < this.entries.length && this.entries[at - 1]!.eol === '') at--;
    if (added.length === 0) return at;
    for (const e of added) e.eol = this.eol;
    const last = this.entries[this.entries.length - 1];
    if (at === this.entries.length && last && this.major >= 14 && /\\[\r\n]*$/.test(last.text.slice(last.text.lastIndexOf('\n') + 1))) {
      // The file ends in a continued line: the server would glue our line onto it. An empty
      // line ends the continuation without changing what that line says.
      last.text += (last.eol || this.eol);
      last.eol = last.eol === '' ? '' : last.eol;
      last.lineCount++;
      if (last.eol === '') {
        last.eol = this.eol;
        added[added.length - 1]!.eol = '';
      }
    } else if (at === this.entries.length && last && last.eol === '') {
      last.eol = this.eol;
      added[added.length - 1]!.eol = '';
    }
    this.entries.splice(at, 0, ...added);
    this.invalidate();
    return at;
  }

  /** Removes entries [from, to) and returns them. */
  removeEntries(from: number, to: number): Entry<T>[] {
    // A piece of a long physical line (eol '', not last) before the removed entries: what is left
    // of that line takes their line ending and is read again, as the server will read it.
    const isPieceBefore = from > 0 && from < to && this.entries[from - 1]!.eol === '';
    const removed = this.entries.splice(from, to - from);
    const hadNoFinalNewline = removed.length > 0 && removed[removed.length - 1]!.eol === '' && from === this.entries.length;
    const newLast = this.entries[this.entries.length - 1];
    if (hadNoFinalNewline && newLast) newLast.eol = '';
    if (isPieceBefore) {
      let start = from - 1;
      while (start > 0 && this.entries[start - 1]!.eol === '') start--;
      const text = this.entries.slice(start, from).map((e) => e.text + e.eol).join('') + removed[removed.length - 1]!.eol;
      const logical = joinLogicalLines(splitPhysicalLines(text), { major: this.major });
      this.entries.splice(start, from - start, ...logical.map((line) => makeEntry(line, this.major, this.classify)));
    }
    this.invalidate();
    return removed;
  }

  replaceEntry(at: number, entry: Entry<T>): void {
    entry.eol = this.entries[at]!.eol;
    this.entries[at] = entry;
    this.invalidate();
  }

  private invalidate(): void {
    this.itemIndexCache = undefined;
    this.lineCache = undefined;
  }
}
