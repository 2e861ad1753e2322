import { expected } from '../errors.js';
import type { SymlinkOptions } from '../fs/regular-file.js';
import type { AuthFileState } from './auth-file-io.js';
import { AuthFile } from './auth-file.js';
import { isCommentLine, lexContent } from './auth-lexer.js';
import { checkPattern, matchesPattern } from './entry-pattern.js';
import { formatToken, type Layout, layOut, mergeLayouts, readLayout } from './hba-format.js';
import { HbaIndexError } from './hba-index-error.js';
import { toModelValue, toServerString } from './hba-rule.js';
import { regexErrorMessage } from './auth-regex.js';
import { HbaRuleNotFoundError } from './hba-rule-not-found-error.js';
import { type IdentMapping, interpretIdentLine } from './ident-record.js';
import { InvalidIdentMappingError } from './invalid-ident-mapping-error.js';

/** A mapping read from a file: its line, raw text and the comment lines attached above it. */
export interface IdentFileMapping extends IdentMapping {
  line: number;
  raw: string;
  comments: string[];
}

export interface IdentMappingInput extends IdentMapping {
  comments?: string[];
  raw?: string;
}

export type IdentPattern = Partial<IdentMapping> | ((mapping: IdentFileMapping) => boolean);

export interface IdentParseOptions {
  path?: string;
  major?: number;
}

const PATTERN_KEYS = ['map', 'systemUser', 'pgUser'] as const;
/** The sample file's header: MAPNAME at 0, SYSTEM-USERNAME at 16, PG-USERNAME at 40. */
const SAMPLE_LAYOUT: Layout = { columns: [0, 16, 40], useTabs: false, compact: false };

/**
 * pg_ident.conf as a sequence of mappings (`map system-user pg-user`), with the same lossless
 * guarantees as HbaFile: every byte kept, indexes count mappings, edits validate first.
 */
export class IdentFile extends AuthFile<IdentMapping, IdentMappingInput, IdentFileMapping> implements Iterable<IdentFileMapping> {
  private constructor(text: string, options: IdentParseOptions, fileState?: AuthFileState) {
    super(text, options, fileState, { line: 'IDENT_INVALID_LINE', regex: 'IDENT_INVALID_REGEX' }, (lexed, major) => {
      const record = interpretIdentLine(lexed, { major });
      return record.kind === 'mapping' ? { kind: 'item', item: record.mapping } : record;
    });
  }

  /** Reads pg_ident.conf text. Never throws. */
  static parse(text: string, options: IdentParseOptions = {}): IdentFile {
    if (typeof text !== 'string') throw expected('text', 'a string', text);
    return new IdentFile(text, options);
  }

  /** Reads a file as HbaFile.load does (a symbolic link only with `followSymlinks: true`). */
  static async load(path: string, options: Omit<IdentParseOptions, 'path'> & SymlinkOptions = {}): Promise<IdentFile> {
    const { followSymlinks, linkAccess, ...parse } = options;
    const { text, fileState } = await AuthFile.readFile(path, { followSymlinks, linkAccess });
    return new IdentFile(text, { ...parse, path }, fileState);
  }

  at(index: number): IdentFileMapping | undefined {
    if (!Number.isInteger(index)) throw expected('index', 'an integer', index);
    const items = this.doc.itemIndexes();
    const i = index < 0 ? items.length + index : index;
    return i >= 0 && i < items.length ? this.itemAt(items[i]!) : undefined;
  }

  *[Symbol.iterator](): Iterator<IdentFileMapping> {
    // A snapshot: editing the file while iterating neither skips nor repeats entries.
    const items = this.doc.itemIndexes().map((e) => this.itemAt(e));
    yield* items;
  }

  mappings(): IdentFileMapping[] {
    return [...this];
  }

  find(pattern: IdentPattern): IdentFileMapping | undefined {
    const i = this.index(pattern);
    return i === -1 ? undefined : this.at(i);
  }

  findAll(pattern: IdentPattern): IdentFileMapping[] {
    checkPattern(pattern, PATTERN_KEYS);
    return this.mappings().filter((m) => matchesPattern(m, pattern as never));
  }

  index(pattern: IdentPattern): number {
    checkPattern(pattern, PATTERN_KEYS);
    return this.mappings().findIndex((m) => matchesPattern(m, pattern as never));
  }

  /** Inserts a mapping so that it becomes mapping `index` (0 … length). */
  insert(index: number, mapping: IdentMappingInput): IdentFileMapping {
    if (!Number.isInteger(index)) throw expected('index', 'an integer', index);
    const items = this.doc.itemIndexes();
    const i = index < 0 ? items.length + 1 + index : index;
    if (i < 0 || i > items.length) throw new HbaIndexError(index, items.length);
    return this.insertAt(i < items.length ? this.doc.commentBlockStart(items[i]!) : this.doc.entries.length, mapping);
  }

  insertAfter(pattern: IdentPattern, mapping: IdentMappingInput): IdentFileMapping {
    const i = this.index(pattern);
    if (i === -1) throw new HbaRuleNotFoundError(pattern);
    return this.insertAt(this.doc.itemIndexes()[i]! + 1, mapping);
  }

  insertBefore(pattern: IdentPattern, mapping: IdentMappingInput): IdentFileMapping {
    const i = this.index(pattern);
    if (i === -1) throw new HbaRuleNotFoundError(pattern);
    return this.insert(i, mapping);
  }

  append(mapping: IdentMappingInput): IdentFileMapping {
    return this.insertAt(this.doc.entries.length, mapping);
  }

  /** Replaces mapping `index`, keeping its comments and trailing comment. */
  set(index: number, mapping: IdentMappingInput): IdentFileMapping {
    const at = this.entryIndex(index);
    const old = this.doc.entries[at]!;
    const { item: wanted } = this.normalizeInput(mapping);
    const oldLayout = readLayout(old.lexed!, (f) => (f < 3 ? f : undefined));
    return this.replaceAt(at, this.render(wanted, mergeLayouts(oldLayout ? [oldLayout] : [], this.layoutNear(at))), wanted, mapping);
  }

  /** Removes mapping `index` (default 0, the first, as HbaFile.pop) and returns it; its comment lines go with it as for HbaFile.pop. */
  pop(index = 0): IdentFileMapping {
    if (typeof index !== 'number') throw expected('index', 'an integer', index);
    return this.removeAt(this.entryIndex(index));
  }

  /** Removes every mapping matching `pattern`, each as `pop` does, and returns them in file order. */
  remove(pattern: IdentPattern): IdentFileMapping[] {
    checkPattern(pattern, PATTERN_KEYS);
    const indexes = this.mappings().flatMap((m, i) => (matchesPattern(m, pattern as never) ? [i] : []));
    return indexes.reverse().map((i) => this.pop(i)).reverse();
  }

  private entryIndex(index: number): number {
    if (!Number.isInteger(index)) throw expected('index', 'an integer', index);
    const items = this.doc.itemIndexes();
    const i = index < 0 ? items.length + index : index;
    if (i < 0 || i >= items.length) throw new HbaIndexError(index, items.length);
    return items[i]!;
  }

  protected itemAt(entryIndex: number): IdentFileMapping {
    return { ...this.doc.entries[entryIndex]!.item!, ...this.placeOf(entryIndex) };
  }

  protected layoutNear(at: number): Layout {
    const entries = this.doc.entries;
    const found: Array<{ distance: number; layout: Layout }> = [];
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      if (e.kind !== 'item' || Math.abs(i - at) > 20) continue;
      const layout = readLayout(e.lexed!, (f) => (f < 3 ? f : undefined));
      if (layout) found.push({ distance: Math.abs(i - at), layout });
    }
    found.sort((a, b) => a.distance - b.distance);
    return mergeLayouts(found.map((f) => f.layout).concat([SAMPLE_LAYOUT]), SAMPLE_LAYOUT);
  }

  protected render(mapping: IdentMapping, layout: Layout): string {
    const pgUser = formatToken(mapping.pgUser, this.major >= 16 ? 'user' : 'plain');
    return layOut([formatToken(mapping.map), formatToken(mapping.systemUser), pgUser], [0, 1, 2], layout);
  }

  protected isSameItem(read: IdentMapping, wanted: IdentMapping): boolean {
    return JSON.stringify(read) === JSON.stringify(wanted);
  }

  protected invalidInput(input: IdentMappingInput, reason: string): Error {
    return new InvalidIdentMappingError('mapping', input, reason);
  }

  protected normalizeInput(input: IdentMappingInput): { item: IdentMapping; comments: string[] } {
    if (input === null || typeof input !== 'object') throw new InvalidIdentMappingError('mapping', input, 'expected a mapping object');
    const value = (field: 'map' | 'systemUser' | 'pgUser'): string => {
      const v = input[field];
      // An empty name is written as "", which the server reads as an empty name (a mapping read so stays editable).
      if (typeof v !== 'string') throw new InvalidIdentMappingError(field, v, 'expected a string');
      if (/[\r\n\0]/.test(v)) throw new InvalidIdentMappingError(field, v, 'a token cannot hold a line break or NUL');
      if (!v.startsWith('"')) return v;
      const lexed = lexContent(v);
      const token = lexed.fields[0]?.tokens[0];
      if (lexContent(`${v} x`).fields.length !== 2 || lexed.fields.length !== 1 || !token || token.end !== v.length || lexed.fields[0]!.tokens.length !== 1) {
        throw new InvalidIdentMappingError(field, v, 'a value starting with " must be one quoted token');
      }
      return toModelValue(token, field === 'pgUser' && this.major >= 16 ? 'user' : 'plain');
    };
    const mapping: IdentMapping = { map: value('map'), systemUser: value('systemUser'), pgUser: value('pgUser') };
    // The server compiles the system user's regular expression, and from 16 on the database user's.
    for (const field of this.major >= 16 ? (['systemUser', 'pgUser'] as const) : (['systemUser'] as const)) {
      const regexError = regexErrorMessage(toServerString(mapping[field]));
      if (regexError !== undefined) throw new InvalidIdentMappingError(field, input[field], regexError);
    }
    const comments = input.comments ?? [];
    if (!Array.isArray(comments) || comments.some((c) => !isCommentLine(c, { major: this.major }))) {
      throw new InvalidIdentMappingError('comments', comments, 'each comment is one line starting with #, not continued by a final backslash onto the line below');
    }
    return { item: mapping, comments };
  }
}
