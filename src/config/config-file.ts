import { resolve } from 'node:path';
import { expected } from '../errors.js';
import { digestOf, type FileSnapshot } from '../fs/file-snapshot.js';
import { writeTextFileGuarded } from '../fs/guarded-write.js';
import { checkSymlinkOptions, readFileNoFollow, type SymlinkOptions } from '../fs/regular-file.js';
import { decodeFileBytes, firstUnencodable } from '../fs/text-encoding.js';
import type { ConfigEncoding } from './config-encoding.js';
import { ConfigEncodingError } from './config-encoding-error.js';
import { ConfigFileChangedError } from './config-file-changed-error.js';
import { ConfigWalk, fileConfigReader } from './config-walk.js';
import type { ConfigDiagnostic, ConfigInclude, ConfigLine, ConfigSetting, SaveOptions, SetOptions, UnsetOptions } from './config-document.js';
import { type LineEnding, type ParsedAssignment, type ParsedLine, parseConfigLine, splitConfigLines } from './config-line.js';
import { formatConfigValue } from './config-quoting.js';
import { InvalidSettingValueError } from './invalid-setting-value-error.js';
import { SettingInIncludedFileError } from './setting-in-included-file-error.js';
import { checkSettingName, checkSettingValue, type ConfigValue } from './setting-input.js';

/** A setting set by an included file: known after `load`, for the include line that reads it. */
interface IncludedSetting {
  key: string;
  value: string;
  file: string;
  line: number;
}

type Winner = { index: number; included?: undefined } | { index: number; included: IncludedSetting };

/**
 * postgresql.conf as a document: parsing keeps every byte (`toString()` gives the text back),
 * reading follows the server's grammar, and edits rewrite only the lines they must.
 */
export class ConfigFile {
  /** Where `load` read the file from, or where `save` writes it. */
  readonly path: string | undefined;
  /**
   * How the text maps to the file's bytes: `'utf8'`, or `'latin1'` (one character per byte) for a
   * file that is not valid UTF-8. `save` writes with it, so untouched bytes stay as they were.
   */
  readonly encoding: ConfigEncoding;
  #lines: ParsedLine[];
  #snapshot: FileSnapshot | undefined;
  #included: Map<ParsedLine, IncludedSetting[]>;
  /** Where each name is, built when first needed; kept by in-place edits, dropped by others. */
  #index: LineIndex | undefined;
  /** How `load` was told to treat a symbolic link; `save` does the same. */
  #links: SymlinkOptions = {};

  private constructor(
    lines: ParsedLine[],
    path: string | undefined,
    encoding: ConfigEncoding,
    snapshot: FileSnapshot | undefined,
    included = new Map<ParsedLine, IncludedSetting[]>(),
  ) {
    this.#lines = lines;
    this.path = path;
    this.encoding = encoding;
    this.#snapshot = snapshot;
    this.#included = included;
  }

  /**
   * Parses text; with the default encoding, never throws on any string. Unreadable lines are kept
   * and reported in `diagnostics`. `encoding` (default `'utf8'`) is how `save` writes the text;
   * with `'latin1'` the text must hold only characters up to U+00FF (else ConfigEncodingError).
   */
  static parse(text: string, { path, encoding = 'utf8' }: { path?: string; encoding?: ConfigEncoding } = {}): ConfigFile {
    if (typeof text !== 'string') throw expected('text', 'a string', text);
    if (encoding !== 'utf8' && encoding !== 'latin1') throw expected('encoding', "'utf8' or 'latin1'", encoding);
    if (encoding === 'latin1') {
      const character = firstUnencodable(text, encoding);
      if (character !== undefined) throw new ConfigEncodingError({ path, encoding, settingName: undefined, character });
    }
    return new ConfigFile(parseLines(text, encoding), path, encoding, undefined);
  }

  /**
   * Reads a file and notes what its included files set, so that `get` answers as the server
   * would and `set` refuses to edit a setting an included file overrides. A file that is not
   * valid UTF-8 is read as Latin-1 (`encoding`), so that `save` gives its bytes back.
   * A symbolic link is refused with SymlinkedFileError (`FILE_IS_SYMLINK`), and an included one is
   * not read, unless `followSymlinks: true`; `linkAccess` then says how the link's target is read
   * and written (default: by this process). `save` treats the file as `load` was told to.
   */
  static async load(path: string, options: SymlinkOptions = {}): Promise<ConfigFile> {
    if (typeof path !== 'string' || path === '') throw expected('path', 'a non-empty string', path);
    const links = checkSymlinkOptions(options);
    const bytes = await readFileNoFollow(path, links);
    const snapshot: FileSnapshot = { path, digest: digestOf(bytes) };
    const { text, encoding } = decodeFileBytes(bytes);
    const lines = parseLines(text, encoding);
    const top = resolve(path);
    const walker = new ConfigWalk(fileConfigReader(links), { abandonOnError: false, top: { path: top, lines } });
    await walker.file(top, true, null, 0);
    const included = new Map<ParsedLine, IncludedSetting[]>();
    for (const { entry, via } of walker.found) {
      if (via === undefined || entry.key === null || entry.value === null || entry.file === null || entry.file === top) continue;
      const list = included.get(via) ?? [];
      list.push({ key: entry.key, value: entry.value, file: entry.file, line: entry.line });
      included.set(via, list);
    }
    const file = new ConfigFile(lines, path, encoding, snapshot, included);
    file.#links = links;
    return file;
  }

  /** The text, byte for byte as parsed plus the edits made. */
  toString(): string {
    let text = '';
    for (const line of this.#lines) text += line.text + line.eol;
    return text;
  }

  /** Every physical line, numbered from 1. */
  get lines(): ConfigLine[] {
    const winners = this.#winners();
    return this.#lines.map((line, index) => ({
      number: index + 1,
      text: line.text,
      eol: line.eol,
      kind: line.kind,
      setting: this.#settingOf(line, index, winners),
      include: includeOf(line, index),
    }));
  }

  /** Every assignment, active and commented out, in file order (include directives excluded). */
  get settings(): ConfigSetting[] {
    const winners = this.#winners();
    const found: ConfigSetting[] = [];
    this.#lines.forEach((line, index) => {
      const setting = this.#settingOf(line, index, winners);
      if (setting !== undefined) found.push(setting);
    });
    return found;
  }

  /** The active include directives, in file order. */
  get includes(): ConfigInclude[] {
    return this.#lines.flatMap((line, index) => {
      const include = includeOf(line, index);
      return include !== undefined && !include.isCommentedOut ? [include] : [];
    });
  }

  /** Lines the server cannot read (errors) and other things worth knowing (warnings). */
  get diagnostics(): ConfigDiagnostic[] {
    const found: ConfigDiagnostic[] = [];
    // In a Latin-1 document, the UTF-8 byte-order mark reads as three characters.
    if (this.#lines[0]?.text.startsWith(this.encoding === 'latin1' ? '\u00EF\u00BB\u00BF' : '\uFEFF')) {
      found.push({
        code: 'CONFIG_BYTE_ORDER_MARK',
        severity: 'warning',
        line: 1,
        column: 1,
        message: 'line 1 starts with a byte-order mark, which the server reads as part of the first word',
      });
    }
    this.#lines.forEach((line, index) => {
      if (line.error === undefined) return;
      const near = line.error.token === undefined ? 'near end of line' : `near token "${line.error.token}"`;
      found.push({
        code: 'CONFIG_SYNTAX_ERROR',
        severity: 'error',
        line: index + 1,
        column: line.error.column,
        message: `syntax error in line ${index + 1}, ${near}`,
      });
    });
    return found;
  }

  /** The effective value of a setting (the server's reading, unquoted), or undefined. */
  get(name: string): string | undefined {
    const winner = this.#winnerOf(checkSettingName(name));
    if (winner === undefined) return undefined;
    return winner.included?.value ?? this.#lines[winner.index]!.assignment!.value;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /** The effective settings as `[name, value]`, names in lower case. */
  entries(): Array<[string, string]> {
    return [...this.#winners()].map(([key, winner]) => [key, winner.included?.value ?? this.#lines[winner.index]!.assignment!.value]);
  }

  /** The effective settings as an object, names in lower case. */
  toObject(): Record<string, string> {
    return Object.fromEntries(this.entries());
  }

  /**
   * Sets a value: rewrites the value of the line that takes effect (keeping its indentation,
   * spacing and comment), or uncomments a commented-out line for it, or appends a line.
   */
  set(name: string, value: ConfigValue, options: SetOptions = {}): this {
    const key = checkSettingName(name);
    const text = checkSettingValue(name, value);
    const character = firstUnencodable(name, this.encoding) ?? firstUnencodable(text, this.encoding);
    if (character !== undefined) throw new ConfigEncodingError({ path: this.path, encoding: this.encoding, settingName: name, character });
    this.#set(name, key, text, options);
    return this;
  }

  /** Comments out (or with `remove`, deletes) every active line that sets `name`. */
  unset(name: string, options: UnsetOptions = {}): this {
    const key = checkSettingName(name);
    this.#unset(name, key, options);
    return this;
  }

  /** Applies many edits at once: a value sets, `null` or `undefined` unsets. All or nothing. */
  update(settings: Record<string, ConfigValue | null | undefined>, options: UnsetOptions = {}): this {
    if (typeof settings !== 'object' || settings === null) throw expected('settings', 'an object', settings);
    const draft = new ConfigFile([...this.#lines], this.path, this.encoding, this.#snapshot, this.#included);
    draft.#links = this.#links;
    for (const [name, value] of Object.entries(settings)) {
      if (value === null || value === undefined) draft.unset(name, options);
      else draft.set(name, value, options);
    }
    this.#lines = draft.#lines;
    this.#index = undefined;
    return this;
  }

  /**
   * Writes the text to `path` atomically, in `encoding`, keeping an existing file's owner and
   * mode. Refuses with ConfigFileChangedError when the file changed since `load` (or exists and
   * was never read), and with ConfigEncodingError when the text holds a lone UTF-16 surrogate.
   */
  async save(options: SaveOptions = {}): Promise<void> {
    const path = this.path;
    if (path === undefined) throw expected('path', 'set (use ConfigFile.load, or parse with { path })', path);
    const encoding = this.encoding;
    this.#snapshot = await writeTextFileGuarded(path, this.toString(), {
      encoding,
      snapshot: this.#snapshot,
      force: options.force,
      mode: options.mode,
      uid: options.uid,
      gid: options.gid,
      ...this.#links,
      changed: () => new ConfigFileChangedError(path),
      unencodable: (character) => new ConfigEncodingError({ path, encoding, settingName: undefined, character }),
    });
  }

  #settingOf(line: ParsedLine, index: number, winners: Map<string, Winner>): ConfigSetting | undefined {
    const a = line.assignment;
    if (a === undefined || a.directive !== undefined) return undefined;
    const winner = winners.get(a.key);
    return {
      name: a.name,
      key: a.key,
      value: a.value,
      rawValue: a.rawValue,
      isQuoted: a.isQuoted,
      line: index + 1,
      raw: line.text,
      comment: a.comment,
      isCommentedOut: a.isCommentedOut,
      isEffective: !a.isCommentedOut && winner !== undefined && winner.included === undefined && winner.index === index,
    };
  }

  /** For each name, the line that takes effect: the last active one, or a later included file's. */
  #winners(): Map<string, Winner> {
    const winners = new Map<string, Winner>();
    this.#lines.forEach((line, index) => {
      const a = line.assignment;
      if (line.kind !== 'assignment' || a === undefined) return;
      if (a.directive === undefined) {
        winners.set(a.key, { index });
        return;
      }
      for (const included of this.#included.get(line) ?? []) winners.set(included.key, { index, included });
    });
    return winners;
  }

  /** The winner for one name, from the index: the last active line, unless a later include sets it. */
  #winnerOf(key: string): Winner | undefined {
    const { byKey, includes } = this.#lookup();
    const lines = this.#lines;
    let best: Winner | undefined;
    const candidates = byKey.get(key) ?? [];
    for (let i = candidates.length - 1; i >= 0; i--) {
      const index = candidates[i]!;
      if (lines[index]!.kind === 'assignment') {
        best = { index };
        break;
      }
    }
    for (let i = includes.length - 1; i >= 0; i--) {
      const index = includes[i]!;
      if (best !== undefined && index < best.index) break;
      const included = this.#included.get(lines[index]!)?.findLast((s) => s.key === key);
      if (included !== undefined) return { index, included };
    }
    return best;
  }

  #lookup(): LineIndex {
    if (this.#index !== undefined) return this.#index;
    const index: LineIndex = { byKey: new Map(), includes: [], crlf: 0, lf: 0 };
    this.#lines.forEach((line, at) => {
      if (line.eol === '\r\n') index.crlf++;
      else if (line.eol === '\n') index.lf++;
      const a = line.assignment;
      if (a === undefined) return;
      if (a.directive === undefined) {
        const list = index.byKey.get(a.key);
        if (list === undefined) index.byKey.set(a.key, [at]);
        else list.push(at);
      } else if (!a.isCommentedOut && this.#included.has(line)) {
        index.includes.push(at);
      }
    });
    this.#index = index;
    return index;
  }

  #set(name: string, key: string, value: string, options: SetOptions): void {
    const winner = this.#winnerOf(key);
    if (winner?.included !== undefined) {
      if (!options.inMainFile) throw new SettingInIncludedFileError(name, winner.included.file, winner.included.line);
      this.#append(name, key, value);
      return;
    }
    if (winner !== undefined) {
      const line = this.#lines[winner.index]!;
      const a = line.assignment!;
      if (a.value === value) return;
      const text = line.text.slice(0, a.valueStart) + formatConfigValue(value, { quote: a.isQuoted }) + line.text.slice(a.valueEnd);
      if (this.#replace(winner.index, text, key, value)) return;
    } else {
      const index = this.#lastCommentedOut(key);
      if (index !== undefined) {
        const line = this.#lines[index]!;
        const a = line.assignment!;
        const text =
          line.text.slice(0, a.hashStart) +
          line.text.slice(a.nameStart, a.valueStart) +
          formatConfigValue(value, { quote: a.isQuoted }) +
          line.text.slice(a.valueEnd);
        if (this.#replace(index, text, key, value)) return;
      }
    }
    this.#append(name, key, value);
  }

  #unset(name: string, key: string, options: UnsetOptions): void {
    if (!options.inMainFile) {
      for (const included of this.#included.values()) {
        const found = included.findLast((s) => s.key === key);
        if (found !== undefined) throw new SettingInIncludedFileError(name, found.file, found.line);
      }
    }
    const kept: ParsedLine[] = [];
    for (const line of this.#lines) {
      const a = line.assignment;
      if (line.kind === 'assignment' && a !== undefined && a.directive === undefined && a.key === key) {
        if (options.remove) continue;
        const indent = /^[ \t]*/.exec(line.text)![0].length;
        kept.push(parseConfigLine(`${line.text.slice(0, indent)}#${line.text.slice(indent)}`, line.eol, this.encoding));
      } else {
        kept.push(line);
      }
    }
    this.#lines = kept;
    this.#index = undefined;
  }

  #lastCommentedOut(key: string): number | undefined {
    const candidates = this.#lookup().byKey.get(key) ?? [];
    for (let i = candidates.length - 1; i >= 0; i--) {
      const index = candidates[i]!;
      if (this.#lines[index]!.assignment?.isCommentedOut) return index;
    }
    return undefined;
  }

  /** Replaces a line when the new text reads as `key = value`; says whether it did. */
  #replace(index: number, text: string, key: string, value: string): boolean {
    const line = parseConfigLine(text, this.#lines[index]!.eol, this.encoding);
    if (!reads(line, key, value)) return false;
    this.#lines = this.#lines.with(index, line);
    return true;
  }

  #append(name: string, key: string, value: string): void {
    const eol = this.#lineEnding();
    const index = this.#lookup();
    const lines = [...this.#lines];
    const last = lines.at(-1);
    let ending: LineEnding = eol;
    let ended: ParsedLine | undefined;
    if (last !== undefined && last.eol === '') {
      // The file has no final newline: end its last line, and leave the new one without.
      ended = last.text.endsWith('\r') ? parseConfigLine(last.text.slice(0, -1), '\r\n', this.encoding) : parseConfigLine(last.text, eol, this.encoding);
      ending = '';
    }
    const line = parseConfigLine(`${name} = ${formatConfigValue(value)}`, ending, this.encoding);
    if (!reads(line, key, value)) throw new InvalidSettingValueError(name, value, 'cannot be written so that the server reads it back');
    if (ended !== undefined) {
      const included = this.#included.get(last!);
      if (included !== undefined) this.#included.set(ended, included);
      lines[lines.length - 1] = ended;
      if (ended.eol === '\r\n') index.crlf++;
      else index.lf++;
    }
    lines.push(line);
    if (line.eol === '\r\n') index.crlf++;
    else if (line.eol === '\n') index.lf++;
    const list = index.byKey.get(key);
    if (list === undefined) index.byKey.set(key, [lines.length - 1]);
    else list.push(lines.length - 1);
    this.#lines = lines;
  }

  /** The line ending most lines use (CRLF files stay CRLF). */
  #lineEnding(): '\n' | '\r\n' {
    const { crlf, lf } = this.#lookup();
    return crlf > lf ? '\r\n' : '\n';
  }
}

interface LineIndex {
  /** Lines with an assignment (active or commented out) for each name, in order. */
  byKey: Map<string, number[]>;
  /** Active include lines whose included settings are known. */
  includes: number[];
  crlf: number;
  lf: number;
}

function parseLines(text: string, encoding: ConfigEncoding): ParsedLine[] {
  return splitConfigLines(text).map((l) => parseConfigLine(l.text, l.eol, encoding));
}

function reads(line: ParsedLine, key: string, value: string): boolean {
  const a = line.assignment;
  return line.kind === 'assignment' && a !== undefined && a.key === key && a.value === value;
}

function includeOf(line: ParsedLine, index: number): ConfigInclude | undefined {
  const a = line.assignment;
  if (a?.directive === undefined) return undefined;
  return { directive: a.directive, path: a.value, line: index + 1, raw: line.text, isCommentedOut: a.isCommentedOut };
}

