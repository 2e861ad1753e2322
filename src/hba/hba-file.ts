import { expected } from '../errors.js';
import type { SymlinkOptions } from '../fs/regular-file.js';
import type { AuthFileState } from './auth-file-io.js';
import { AuthFile } from './auth-file.js';
import { LATEST_MAJOR } from './auth-lexer.js';
import { checkPattern, type MatchOptions, matchesPattern } from './entry-pattern.js';
import { type Layout, mergeLayouts, readLayout } from './hba-format.js';
import { HbaIndexError } from './hba-index-error.js';
import { type InterpretOptions, interpretHbaLine } from './hba-record.js';
import type { HbaFileRule, HbaRule, HbaRuleInput } from './hba-rule.js';
import { HbaRuleNotFoundError } from './hba-rule-not-found-error.js';
import { InvalidHbaRuleError } from './invalid-hba-rule-error.js';
import { normalizeHbaRuleInput } from './hba-rule-input.js';
import { cloneRule, renderRule, columnsOfRule, sameRule } from './hba-rule-text.js';

export interface HbaParseOptions extends InterpretOptions {
  /** Where the file lives, for `save()`. */
  path?: string;
}

/** Fields a pattern may name. */
export type HbaPattern =
  | Partial<{
      type: string;
      database: string | string[];
      user: string | string[];
      address: string;
      netmask: string;
      method: string;
      options: Record<string, string>;
    }>
  | ((rule: HbaFileRule) => boolean);

/** Where `insert` puts a rule relative to rule `index`. */
export interface HbaInsertOptions {
  /** `before` (default): the new rule becomes rule `index`; `after`: it goes on the line after rule `index`. */
  position?: 'before' | 'after';
}

const PATTERN_KEYS = ['type', 'database', 'user', 'address', 'netmask', 'method', 'options'] as const;

/** The sample file's columns: TYPE 0, DATABASE 8, USER 24, ADDRESS 40, METHOD 64. */
const SAMPLE_LAYOUT: Layout = { columns: [0, 8, 24, 40, undefined, 64, undefined], useTabs: false, compact: false };

/**
 * pg_hba.conf as a sequence of rules that keeps every byte of the file. Indexes count rules only;
 * comments, blank lines, include directives and lines the server would reject are kept in place
 * but are not rules. Every edit validates first and changes nothing when it throws.
 */
export class HbaFile extends AuthFile<HbaRule, HbaRuleInput, HbaFileRule> implements Iterable<HbaFileRule> {
  private constructor(text: string, options: HbaParseOptions, fileState?: AuthFileState) {
    const interpret: InterpretOptions = { major: options.major ?? LATEST_MAJOR };
    if (options.unsupportedMethods) interpret.unsupportedMethods = options.unsupportedMethods;
    if (options.oauthValidatorLibraries) interpret.oauthValidatorLibraries = options.oauthValidatorLibraries;
    super(text, options, fileState, { line: 'HBA_INVALID_LINE', regex: 'HBA_INVALID_REGEX' }, (lexed) => {
      const record = interpretHbaLine(lexed, interpret);
      return record.kind === 'rule' ? { kind: 'item', item: record.rule } : record;
    });
  }

  /** Reads pg_hba.conf text. Never throws: lines the server would reject become `diagnostics`. */
  static parse(text: string, options: HbaParseOptions = {}): HbaFile {
    if (typeof text !== 'string') throw expected('text', 'a string', text);
    return new HbaFile(text, options);
  }

  /**
   * Reads a file, remembering what it held so that `save()` can refuse to overwrite someone else's
   * edit. A symbolic link is refused with SymlinkedFileError (`FILE_IS_SYMLINK`) unless
   * `followSymlinks: true` (`linkAccess`: how its target is read and written; default this process).
   */
  static async load(path: string, options: Omit<HbaParseOptions, 'path'> & SymlinkOptions = {}): Promise<HbaFile> {
    const { followSymlinks, linkAccess, ...parse } = options;
    const { text, fileState } = await AuthFile.readFile(path, { followSymlinks, linkAccess });
    return new HbaFile(text, { ...parse, path }, fileState);
  }

  /** The rule at `index` (negative counts from the end), or undefined. A copy: edit with `set`. */
  at(index: number): HbaFileRule | undefined {
    const i = this.normalizeIndex(index, this.length, true);
    return i === undefined ? undefined : this.itemAt(this.doc.itemIndexes()[i]!);
  }

  *[Symbol.iterator](): Iterator<HbaFileRule> {
    // A snapshot: editing the file while iterating neither skips nor repeats entries.
    const items = this.doc.itemIndexes().map((e) => this.itemAt(e));
    yield* items;
  }

  rules(): HbaFileRule[] {
    return [...this];
  }

  /** The first rule matching `pattern`, or undefined. */
  find(pattern: HbaPattern, options: MatchOptions = {}): HbaFileRule | undefined {
    const i = this.index(pattern, options);
    return i === -1 ? undefined : this.at(i);
  }

  findAll(pattern: HbaPattern, options: MatchOptions = {}): HbaFileRule[] {
    checkPattern(pattern, PATTERN_KEYS);
    return this.rules().filter((rule) => matchesPattern(rule, pattern as never, options));
  }

  /** The index of the first rule matching `pattern`, or -1. */
  index(pattern: HbaPattern, options: MatchOptions = {}): number {
    checkPattern(pattern, PATTERN_KEYS);
    const items = this.doc.itemIndexes();
    for (let i = 0; i < items.length; i++) {
      // Field patterns only need the rule's fields; a predicate gets the whole rule.
      const subject = typeof pattern === 'function' ? this.itemAt(items[i]!) : this.doc.entries[items[i]!]!.item!;
      if (matchesPattern(subject, pattern as never, options)) return i;
    }
    return -1;
  }

  /**
   * Inserts a rule so that it becomes rule `index` (0 … length; negative counts from the end),
   * above that rule's comments. `position: 'after'` (pg_boss's `insert(index, entry, position)`)
   * puts it on the line after rule `index` instead (0 … length - 1), as `insertAfter` does.
   */
  insert(index: number, rule: HbaRuleInput, options: HbaInsertOptions = {}): HbaFileRule {
    if (options === null || typeof options !== 'object') throw expected('options', 'an object', options);
    const { position = 'before' } = options;
    if (position !== 'before' && position !== 'after') throw expected('position', "'before' or 'after'", position);
    if (position === 'after') {
      const after = this.normalizeIndex(index, this.length, true);
      if (after === undefined) throw new HbaIndexError(index, this.length);
      return this.insertAt(this.doc.itemIndexes()[after]! + 1, rule);
    }
    const i = this.normalizeIndex(index, this.length + 1, false)!;
    const items = this.doc.itemIndexes();
    const at = i < items.length ? this.doc.commentBlockStart(items[i]!) : this.doc.entries.length;
    return this.insertAt(at, rule);
  }

  /** Inserts a rule just before the first rule matching `pattern` (and that rule's comments). */
  insertBefore(pattern: HbaPattern, rule: HbaRuleInput, options: MatchOptions = {}): HbaFileRule {
    const i = this.index(pattern, options);
    if (i === -1) throw new HbaRuleNotFoundError(pattern);
    return this.insert(i, rule);
  }

  /** Inserts a rule on the line after the first rule matching `pattern`. */
  insertAfter(pattern: HbaPattern, rule: HbaRuleInput, options: MatchOptions = {}): HbaFileRule {
    const i = this.index(pattern, options);
    if (i === -1) throw new HbaRuleNotFoundError(pattern);
    return this.insertAt(this.doc.itemIndexes()[i]! + 1, rule);
  }

  /** Adds a rule at the end of the file. */
  append(rule: HbaRuleInput): HbaFileRule {
    return this.insertAt(this.doc.entries.length, rule);
  }

  /** Replaces rule `index`, keeping its comments, its columns, its trailing comment and the text of unchanged fields. */
  set(index: number, rule: HbaRuleInput): HbaFileRule {
    const i = this.normalizeIndex(index, this.length, true);
    if (i === undefined) throw new HbaIndexError(index, this.length);
    const at = this.doc.itemIndexes()[i]!;
    const old = this.doc.entries[at]!;
    const { rule: wanted } = normalizeHbaRuleInput(rule, this.major);
    const oldLayout = readLayout(old.lexed!, (f) => columnsOfRule(old.item!)[f]);
    const layout = mergeLayouts(oldLayout ? [oldLayout] : [], this.layoutNear(at));
    return this.replaceAt(at, renderRule(wanted, layout, old), wanted, rule);
  }

  /**
   * Removes rule `index` (default 0, the first rule, as pg_boss's `pop(index = 0)`; negative counts
   * from the end) and returns it. The comment lines
   * directly above it go with it when it is the only rule under them; a comment heading a group of
   * rules stays, above the rule that now comes first. The returned rule's `comments` are the lines
   * that went with it, so inserting it elsewhere moves exactly what was removed.
   */
  pop(index = 0): HbaFileRule {
    if (typeof index !== 'number') throw expected('index', 'an integer', index);
    const i = this.normalizeIndex(index, this.length, true);
    if (i === undefined) throw new HbaIndexError(index, this.length);
    return this.removeAt(this.doc.itemIndexes()[i]!);
  }

  /** Removes every rule matching `pattern`, each as `pop` does (a comment goes once no rule is left under it), and returns them in file order. */
  remove(pattern: HbaPattern, options: MatchOptions = {}): HbaFileRule[] {
    checkPattern(pattern, PATTERN_KEYS);
    const indexes = this.rules().flatMap((rule, i) => (matchesPattern(rule, pattern as never, options) ? [i] : []));
    return indexes.reverse().map((i) => this.pop(i)).reverse();
  }

  protected itemAt(entryIndex: number): HbaFileRule {
    return { ...cloneRule(this.doc.entries[entryIndex]!.item!), ...this.placeOf(entryIndex) };
  }

  private normalizeIndex(index: number, size: number, strict: boolean): number | undefined {
    if (!Number.isInteger(index)) throw expected('index', 'an integer', index);
    const i = index < 0 ? size + index : index;
    if (i < 0 || i >= size) {
      if (strict) return undefined;
      throw new HbaIndexError(index, size - 1);
    }
    return i;
  }

  protected normalizeInput(input: HbaRuleInput): { item: HbaRule; comments: string[] } {
    const { rule, comments } = normalizeHbaRuleInput(input, this.major);
    return { item: rule, comments };
  }

  protected render(rule: HbaRule, layout: Layout): string {
    return renderRule(rule, layout);
  }

  protected isSameItem(read: HbaRule, wanted: HbaRule): boolean {
    return sameRule(read, wanted);
  }

  protected invalidInput(input: HbaRuleInput, reason: string): Error {
    return new InvalidHbaRuleError('rule', input, reason);
  }

  /** The layout of the rules nearest to entry position `at`, nearest first. */
  protected layoutNear(at: number): Layout {
    const found: Array<{ distance: number; layout: Layout }> = [];
    const entries = this.doc.entries;
    const consider = (i: number): void => {
      const e = entries[i];
      if (e?.kind !== 'item' || !e.lexed) return;
      const layout = readLayout(e.lexed, (f) => columnsOfRule(e.item!)[f]);
      if (layout) found.push({ distance: Math.abs(i - at), layout });
    };
    for (let i = at - 1, n = 0; i >= 0 && n < 3; i--) if (entries[i]?.kind === 'item') (consider(i), n++);
    for (let i = at, n = 0; i < entries.length && n < 3; i++) if (entries[i]?.kind === 'item') (consider(i), n++);
    found.sort((a, b) => a.distance - b.distance);
    return mergeLayouts(found.map((f) => f.layout).concat([SAMPLE_LAYOUT]), SAMPLE_LAYOUT);
  }
}
