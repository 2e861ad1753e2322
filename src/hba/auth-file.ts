// What HbaFile and IdentFile share: the document read from text, the file it came from and
// saving it back, the views that do not depend on what an item is (diagnostics, includes,
// length), and the way an item is checked and inserted. Each subclass says how to read, check and
// write its own items.
import { resolve } from 'node:path';
import { expected } from '../errors.js';
import type { FileSnapshot } from '../fs/file-snapshot.js';
import { checkSymlinkOptions, type SymlinkOptions } from '../fs/regular-file.js';
import { AuthDocument, type Entry } from './auth-document.js';
import {
  type AuthFileEncoding, type AuthFileState, type AuthSaveOptions, checkSaveOptions, readAuthFile, unencodableError, writeAuthFile,
} from './auth-file-io.js';
import { LATEST_MAJOR, type LexedLine } from './auth-lexer.js';
import type { Layout } from './hba-format.js';
import type { HbaDiagnostic, HbaInclude } from './hba-rule.js';

/** How one logical line reads: nothing (blank or comment), an item, an include directive, or an error. */
export type AuthRecord<T> =
  | { kind: 'empty'; hasComment: boolean }
  | { kind: 'item'; item: T }
  | { kind: 'include'; directive: 'include' | 'include_if_exists' | 'include_dir'; path: string }
  | { kind: 'invalid'; message: string; offset: number; isRegex?: boolean; isSilent?: boolean };

/** Where an item sits in the file: its line, its text and the comment lines attached above it. */
export interface ItemPlace {
  line: number;
  raw: string;
  comments: string[];
}

export abstract class AuthFile<T, Input extends { raw?: string }, Read extends ItemPlace> {
  readonly path: string | undefined;
  readonly major: number;
  /**
   * How the text maps to the file's bytes: `'utf8'`, or `'latin1'` (one character per byte) for a
   * file `load` found not valid UTF-8. `save` writes with it, so untouched bytes stay as they were.
   */
  readonly encoding: AuthFileEncoding;
  protected readonly doc: AuthDocument<T>;
  /** What each file this document was read from or written to held then, by absolute path. */
  readonly #snapshots = new Map<string, FileSnapshot>();
  /** How `load` was told to treat a symbolic link; `save` does the same. */
  readonly #links: SymlinkOptions;

  protected constructor(
    text: string,
    options: { path?: string | undefined; major?: number | undefined },
    fileState: AuthFileState | undefined,
    /** The diagnostic codes of an invalid line and of a line with a regular expression the server cannot compile. */
    private readonly diagnosticCodes: { line: HbaDiagnostic['code']; regex: HbaDiagnostic['code'] },
    read: (lexed: LexedLine, major: number) => AuthRecord<T>,
  ) {
    this.path = options.path;
    this.major = options.major ?? LATEST_MAJOR;
    this.encoding = fileState?.encoding ?? 'utf8';
    if (fileState) this.#snapshots.set(resolve(fileState.snapshot.path), fileState.snapshot);
    this.#links = fileState?.links ?? {};
    const major = this.major;
    this.doc = new AuthDocument<T>(text, major, (lexed) => {
      const record = read(lexed, major);
      switch (record.kind) {
        case 'empty':
          return { kind: record.hasComment ? 'comment' : 'blank' };
        case 'item':
          return { kind: 'item', item: record.item };
        case 'include':
          return { kind: 'include', include: { kind: record.directive, path: record.path } };
        case 'invalid':
          return { kind: 'invalid', error: { message: record.message, column: record.offset, ...(record.isRegex ? { isRegex: true } : {}), ...(record.isSilent ? { isSilent: true } : {}) } };
      }
    });
  }

  /**
   * Reads a file, remembering what it held so that `save()` can refuse to overwrite someone else's
   * edit. A symbolic link is refused (SymlinkedFileError) unless `followSymlinks`.
   */
  protected static async readFile(path: string, links: SymlinkOptions = {}): Promise<{ text: string; fileState: AuthFileState }> {
    const { text, snapshot, encoding } = await readAuthFile(path, checkSymlinkOptions(links));
    return { text, fileState: { snapshot, encoding, links } };
  }

  /**
   * Writes the file (to `path`, by default the one it was loaded from or parsed with) atomically:
   * temporary file, fsync, rename, keeping an existing file's owner and mode. Refuses with
   * AuthFileChangedError when the file changed on disk since it was read or last saved here (or
   * exists and was never read), unless `force`; with AuthFileEncodingError when the text holds a
   * character the file's encoding cannot hold.
   */
  async save(options?: AuthSaveOptions): Promise<void>;
  async save(path: string | undefined, options?: AuthSaveOptions): Promise<void>;
  async save(pathOrOptions?: string | AuthSaveOptions, maybeOptions: AuthSaveOptions = {}): Promise<void> {
    const isOptions = pathOrOptions !== null && typeof pathOrOptions === 'object';
    const path = isOptions || pathOrOptions === undefined ? this.path : pathOrOptions;
    const options = checkSaveOptions(isOptions ? pathOrOptions : maybeOptions);
    if (typeof path !== 'string' || path === '') throw expected('path', 'a file path (use load, or parse with { path })', path);
    const key = resolve(path);
    const snapshot = await writeAuthFile(path, this.toString(), { encoding: this.encoding, snapshot: this.#snapshots.get(key), options, links: this.#links });
    this.#snapshots.set(key, snapshot);
  }

  toString(): string {
    return this.doc.toString();
  }

  /** Lines the server would reject, with its own message for each. */
  get diagnostics(): HbaDiagnostic[] {
    return this.doc.entries.flatMap((entry, i) =>
      entry.kind === 'invalid' && entry.error
        ? [{
            code: entry.error.isRegex ? this.diagnosticCodes.regex : this.diagnosticCodes.line,
            line: this.doc.lineOf(i),
            column: entry.error.column,
            message: entry.error.message,
            raw: entry.text,
            ...(entry.error.isSilent ? { isSilent: true } : {}),
          }]
        : [],
    );
  }

  /** `include`, `include_if_exists` and `include_dir` directives (PostgreSQL 16+), in file order. */
  get includes(): HbaInclude[] {
    return this.doc.entries.flatMap((entry, i) =>
      entry.kind === 'include' && entry.include ? [{ ...entry.include, line: this.doc.lineOf(i), raw: entry.text }] : [],
    );
  }

  get length(): number {
    return this.doc.itemIndexes().length;
  }

  /** The item at an entry position, as a copy with its place in the file. */
  protected abstract itemAt(entryIndex: number): Read;
  /** Checks an input item; throws the file's typed error, changing nothing. */
  protected abstract normalizeInput(input: Input): { item: T; comments: string[] };
  /** The text of a new item in the columns of `layout`. */
  protected abstract render(item: T, layout: Layout): string;
  /** The layout of the items nearest to entry position `at`. */
  protected abstract layoutNear(at: number): Layout;
  /** Whether the item read back from our text is the one we meant. */
  protected abstract isSameItem(read: T, wanted: T): boolean;
  /** The file's typed error for an input it refuses. */
  protected abstract invalidInput(input: Input, reason: string): Error;

  protected placeOf(entryIndex: number): ItemPlace {
    const entry = this.doc.entries[entryIndex]!;
    const start = this.doc.commentBlockStart(entryIndex);
    return {
      line: this.doc.lineOf(entryIndex),
      raw: entry.text,
      comments: this.doc.entries.slice(start, entryIndex).map((e) => e.text),
    };
  }

  /** Inserts an item (after its comment lines) before entry position `at`; reuses its raw text when that still says the same. */
  protected insertAt(at: number, input: Input): Read {
    const { item, comments } = this.normalizeInput(input);
    let entry: Entry<T> | undefined;
    if (input.raw !== undefined) {
      try {
        entry = this.checkedEntry(input.raw, item, input);
      } catch {
        entry = undefined; // the raw text says something else now: format the item afresh
      }
    }
    entry ??= this.checkedEntry(this.render(item, this.layoutNear(at)), item, input);
    this.checkEncodable([...comments, entry.text].join('\n'));
    const added = comments.map((c) => this.doc.entryFor(c));
    const placed = this.doc.insertEntries(at, [...added, entry]);
    return this.itemAt(placed + added.length);
  }

  /**
   * Replaces the item at entry position `at` by `text`, keeping the old line's trailing comment.
   * When the item is the one the line already holds, the line stays as it is.
   */
  protected replaceAt(at: number, text: string, item: T, input: Input): Read {
    const old = this.doc.entries[at]!;
    if (this.isSameItem(old.item!, item)) return this.itemAt(at);
    const lexed = old.lexed!;
    if (lexed.commentStart !== -1) {
      const lastField = lexed.fields[lexed.fields.length - 1]!;
      const gap = lexed.content.slice(lastField.end, lexed.commentStart);
      text += (gap === '' ? ' ' : gap) + lexed.content.slice(lexed.commentStart);
    }
    const entry = this.checkedEntry(text, item, input);
    this.checkEncodable(entry.text);
    this.doc.replaceEntry(at, entry);
    return this.itemAt(at);
  }

  /**
   * Removes the item at entry position `at` and returns it, with the comment lines that went with
   * it: its comment block when that describes it alone, none when the block heads a group of items
   * (see AuthDocument.ownCommentStart); `comments` of the returned item are those lines.
   */
  protected removeAt(at: number): Read {
    const start = this.doc.ownCommentStart(at);
    const removed = { ...this.itemAt(at), comments: this.doc.entries.slice(start, at).map((e) => e.text) };
    this.doc.removeEntries(start, at + 1);
    return removed;
  }

  /** Refuses text the file's encoding cannot hold (above U+00FF in a Latin-1 file, a lone surrogate): written, it would change bytes. */
  private checkEncodable(text: string): void {
    const error = unencodableError(text, this.encoding, this.path);
    if (error) throw error;
  }

  /** Builds the entry for `text` and makes sure the server would read exactly `item` from it. */
  private checkedEntry(text: string, item: T, input: Input): Entry<T> {
    let entry: Entry<T>;
    try {
      entry = this.doc.entryFor(text);
    } catch {
      throw this.invalidInput(input, 'it does not fit on one line');
    }
    if (entry.kind === 'invalid') throw this.invalidInput(input, entry.error!.message);
    if (entry.kind !== 'item' || !this.isSameItem(entry.item!, item)) {
      throw this.invalidInput(input, `it would be read back differently: ${text}`);
    }
    return entry;
  }
}
