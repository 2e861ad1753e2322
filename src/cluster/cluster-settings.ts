import { isAbsolute, join } from 'node:path';
import {
  ConfigFile,
  foldSettingName,
  readConfigFileSet,
  SettingInAutoConfError,
  InvalidSettingValueError,
  type ConfigFileSet,
  type ConfigValue,
  type SetOptions,
  type UnsetOptions,
} from '../config/index.js';
import { expected } from '../errors.js';
import type { SymlinkOptions } from '../fs/regular-file.js';
import { missingFileError } from './cluster-not-initialized-error.js';
import { settingNamesArgument } from './setting-names.js';
import type { InvalidSettingValue } from './setting-values.js';
import { TemporarySettings, type ReloadIfRunning } from './temporary-settings.js';
import { UnknownSettingError } from './unknown-setting-error.js';

/** What postgresql.auto.conf has to do with an edit of postgresql.conf. */
interface AutoConfOptions {
  /**
   * Edit postgresql.conf even for a setting that postgresql.auto.conf (ALTER SYSTEM) also sets,
   * knowing that the server goes on using the ALTER SYSTEM value. Without it such an edit is
   * refused with SettingInAutoConfError and nothing is written.
   */
  ignoreAutoConf?: boolean;
}

/** Whether a name the server does not know may be written. */
interface UnknownNameOptions {
  /**
   * Write a setting name the cluster's server does not know (checked against the server, see
   * `Cluster.unknownSettings()`). Without it such an edit is refused with UnknownSettingError
   * and nothing is written: the server would refuse to start with it in the file.
   */
  allowUnknown?: boolean;
}

/** Whether a value the server refuses may be written. */
interface InvalidValueOptions {
  /**
   * Write a value the cluster's server refuses (`shared_buffers = 'plenty'`, out of range, not
   * one of an enum's values; checked against the server, see `Cluster.invalidSettings()`).
   * Without it such an edit is refused with InvalidSettingValueError and nothing is written.
   */
  allowInvalid?: boolean;
}

/** `set`: the editor's `inMainFile`, `ignoreAutoConf`, `allowUnknown` and `allowInvalid`. */
export interface SettingsSetOptions extends SetOptions, AutoConfOptions, UnknownNameOptions, InvalidValueOptions {}

/** `update` and `delete`: the editor's `inMainFile` and `remove`, `ignoreAutoConf` and (update) `allowUnknown` and `allowInvalid`. */
export interface SettingsUnsetOptions extends UnsetOptions, AutoConfOptions, UnknownNameOptions, InvalidValueOptions {}

/** How ClusterSettings asks which names the server does not know (the Cluster supplies it). */
export type UnknownNamesCheck = (names: readonly string[]) => Promise<Array<{ name: string; suggestion: string | null }>>;

/** How ClusterSettings asks which values the server refuses (`[name, value as written]`; the Cluster supplies it). */
export type InvalidValuesCheck = (entries: ReadonlyArray<readonly [string, string]>) => Promise<InvalidSettingValue[]>;

/**
 * A cluster's `postgresql.conf` as py-postgresql's `Cluster.settings` mapping: every call reads
 * the file (nothing is cached), values are strings, and writes go through the lossless
 * ConfigFile editor (only the lines concerned change; the file keeps its owner and mode; a
 * concurrent edit by someone else is refused with ConfigFileChangedError). `get` answers as the
 * server reads this file and what it includes; `effective()` adds `postgresql.auto.conf`.
 * An edit of a setting that `postgresql.auto.conf` (ALTER SYSTEM) also sets would not change
 * what the server uses: it is refused with SettingInAutoConfError unless `ignoreAutoConf`.
 */
export class ClusterSettings {
  /** The postgresql.conf this mapping reads and writes. */
  readonly path: string;
  /** The postgresql.auto.conf that ALTER SYSTEM writes, which the server reads after `path`. */
  readonly autoConfPath: string;
  /**
   * The server's major version, which decides how `effective()` names included files (before 15
   * the server keeps `.` and `..` of a relative include as written). Undefined: 15 and later.
   */
  readonly major: number | undefined;

  readonly #unknownNames: UnknownNamesCheck | undefined;
  readonly #invalidValues: InvalidValuesCheck | undefined;
  readonly #dataDirectory: string;
  readonly #links: SymlinkOptions;
  readonly #reloadIfRunning: ReloadIfRunning | undefined;

  /**
   * @param unknownNames how to tell names the server does not know; without it none are checked.
   * @param invalidValues how to tell values the server refuses; without it none are checked.
   * @param links whether a symbolic link (postgresql.conf, an include, postgresql.auto.conf) is
   *   followed, and how; by default none is (SymlinkedFileError, `CONFIG_INCLUDE_IS_SYMLINK`).
   * @param reloadIfRunning how `temporarily` reloads the server when it runs (resolving to null
   *   when none runs); without it nothing is reloaded.
   * @param configFile the postgresql.conf when it is not in the data directory (a split layout,
   *   Debian's `/etc/postgresql/<major>/<name>/postgresql.conf`); postgresql.auto.conf stays in
   *   the data directory, where the server keeps it.
   */
  constructor(dataDirectory: string, major?: number, unknownNames?: UnknownNamesCheck, invalidValues?: InvalidValuesCheck, links: SymlinkOptions = {}, reloadIfRunning?: ReloadIfRunning, configFile?: string) {
    if (major !== undefined && !(Number.isInteger(major) && major > 0)) throw expected('major', 'a positive integer', major);
    if (unknownNames !== undefined && typeof unknownNames !== 'function') throw expected('unknownNames', 'a function', unknownNames);
    if (invalidValues !== undefined && typeof invalidValues !== 'function') throw expected('invalidValues', 'a function', invalidValues);
    this.#unknownNames = unknownNames;
    if (reloadIfRunning !== undefined && typeof reloadIfRunning !== 'function') throw expected('reloadIfRunning', 'a function', reloadIfRunning);
    this.#invalidValues = invalidValues;
    this.#reloadIfRunning = reloadIfRunning;
    this.#dataDirectory = dataDirectory;
    this.#links = { followSymlinks: links.followSymlinks, linkAccess: links.linkAccess };
    if (configFile !== undefined && (typeof configFile !== 'string' || !isAbsolute(configFile))) throw expected('configFile', 'an absolute path', configFile);
    this.path = configFile ?? join(dataDirectory, 'postgresql.conf');
    this.autoConfPath = join(dataDirectory, 'postgresql.auto.conf');
    this.major = major;
  }

  /** Loads the file into the editor, for edits this mapping does not offer. Call `save()` on it. */
  async load(): Promise<ConfigFile> {
    return ConfigFile.load(this.path, this.#links).catch((error: unknown) => {
      throw missingFileError(this.#dataDirectory, this.path, error);
    });
  }

  /** The value of a setting (a string), or `fallback` (default undefined) when the file does not set it. */
  async get(name: string): Promise<string | undefined>;
  async get<T>(name: string, fallback: T): Promise<string | T>;
  async get<T>(name: string, fallback?: T): Promise<string | T | undefined> {
    return (await this.load()).get(name) ?? fallback;
  }

  async has(name: string): Promise<boolean> {
    return (await this.get(name)) !== undefined;
  }

  /**
   * Sets one setting (one write). `inMainFile` writes it even when an included file sets it;
   * `ignoreAutoConf` writes it even when postgresql.auto.conf overrides it.
   */
  async set(name: string, value: ConfigValue, options: SettingsSetOptions = {}): Promise<void> {
    checkOptions(options);
    const file = await this.load();
    file.set(name, value, options);
    await this.#refuseAutoConf([name], options);
    await this.#refuseUnknown([name], options);
    await this.#refuseInvalid(file, [name], options);
    await file.save();
  }

  /**
   * Sets many settings in one write; `null` or `undefined` comments a setting out (with
   * `remove`, deletes its lines). All or nothing.
   */
  async update(settings: Readonly<Record<string, ConfigValue | null | undefined>>, options: SettingsUnsetOptions = {}): Promise<void> {
    if (settings === null || typeof settings !== 'object') throw expected('settings', 'an object of setting names to values', settings);
    checkOptions(options);
    await this.#write(await this.load(), settings, options);
  }

  /** `update()`'s edit of a loaded file: the edit, then every check, then the save (nothing is written when a check refuses). */
  async #write(file: ConfigFile, settings: Readonly<Record<string, ConfigValue | null | undefined>>, options: SettingsUnsetOptions): Promise<void> {
    file.update({ ...settings }, options);
    await this.#refuseAutoConf(Object.keys(settings), options);
    const written = Object.entries(settings)
      .filter(([, value]) => value !== null && value !== undefined)
      .map(([name]) => name);
    await this.#refuseUnknown(written, options);
    await this.#refuseInvalid(file, written, options);
    await file.save();
  }

  /** The settings among `names` that the file sets, read once: `{ name: value }`. */
  async getset(names: Iterable<string>): Promise<Record<string, string>> {
    const list = settingNamesArgument(names);
    const file = await this.load();
    const found: Record<string, string> = {};
    for (const name of list) {
      const value = file.get(name);
      if (value !== undefined) found[name] = value;
    }
    return found;
  }

  /**
   * Comments out every active line that sets `name` (py-postgresql's `del settings[name]`); with
   * `remove`, deletes them.
   */
  async delete(name: string, options: SettingsUnsetOptions = {}): Promise<void> {
    checkOptions(options);
    const file = await this.load();
    file.unset(name, options);
    await this.#refuseAutoConf([name], options);
    await file.save();
  }

  /** The names the file sets (lower case). */
  async keys(): Promise<string[]> {
    return (await this.entries()).map(([name]) => name);
  }

  /** `[name, value]` for every setting the file sets. */
  async entries(): Promise<Array<[string, string]>> {
    return (await this.load()).entries();
  }

  /** The values of the settings the file sets, in the order of `keys()`. */
  async values(): Promise<string[]> {
    return (await this.entries()).map(([, value]) => value);
  }

  /** `[name, value]` for every setting the file sets (py-postgresql's `items()`; the same as `entries()`). */
  async items(): Promise<Array<[string, string]>> {
    return this.entries();
  }

  /** How many settings the file sets (py-postgresql's `len(settings)`). */
  async count(): Promise<number> {
    return (await this.entries()).length;
  }

  /** `for await (const [name, value] of cluster.settings)`: the entries, read once when the loop starts. */
  async *[Symbol.asyncIterator](): AsyncGenerator<[string, string], void, undefined> {
    yield* await this.entries();
  }

  /**
   * The settings the file sets whose name and value `predicate` accepts, read once: `{ name:
   * value }` (pg_boss's `select_parameters(selector)`). Names are in lower case.
   */
  async select(predicate: (name: string, value: string) => boolean): Promise<Record<string, string>> {
    if (typeof predicate !== 'function') throw expected('predicate', 'a function (name, value) => boolean', predicate);
    const chosen: Record<string, string> = {};
    for (const [name, value] of await this.entries()) if (predicate(name, value)) chosen[name] = value;
    return chosen;
  }

  /**
   * Writes `settings` as `update()` does (same checks and options; nothing is written when one
   * fails) and reloads the server when it runs; the returned object puts the file's previous text
   * back, byte for byte, when disposed (`await using _ = await cluster.settings.temporarily({
   * work_mem: '64MB' })`) or on `restore()`, and reloads again. postgresql.auto.conf is never
   * touched (a setting it sets is refused as by `update()`). A setting that needs a restart is
   * written but not applied by the reload: the result's `pendingRestart` names it.
   */
  async temporarily(settings: Readonly<Record<string, ConfigValue | null | undefined>>, options: SettingsUnsetOptions = {}): Promise<TemporarySettings> {
    if (settings === null || typeof settings !== 'object') throw expected('settings', 'an object of setting names to values', settings);
    checkOptions(options);
    const file = await this.load();
    const previousText = file.toString();
    await this.#write(file, settings, options);
    const state = {
      path: this.path,
      names: Object.keys(settings),
      previousText,
      writtenText: file.toString(),
      encoding: file.encoding,
      links: this.#links,
      reload: null,
      reloadIfRunning: this.#reloadIfRunning,
    };
    let reload;
    try {
      reload = this.#reloadIfRunning === undefined ? null : await this.#reloadIfRunning();
    } catch (error) {
      // No one holds the result yet to restore it: put the file back before failing.
      await new TemporarySettings(state).restore().catch(() => undefined);
      throw error;
    }
    return new TemporarySettings({ ...state, reload });
  }

  /**
   * What the server would read: postgresql.conf, its includes, then postgresql.auto.conf, with
   * the file and line each effective value comes from, and the errors the server would report.
   */
  async effective(): Promise<ConfigFileSet> {
    return readConfigFileSet(this.path, { ...this.#links, autoConfPath: this.autoConfPath, ...(this.major === undefined ? {} : { major: this.major }) });
  }

  /** Throws SettingInAutoConfError for the first of `names` that postgresql.auto.conf sets. */
  async #refuseAutoConf(names: string[], { ignoreAutoConf }: AutoConfOptions): Promise<void> {
    if (ignoreAutoConf) return;
    // Read as the server reads it, includes too (a missing file is an error entry, not a setting).
    const auto = await readConfigFileSet(this.autoConfPath, { autoConfPath: null, ...this.#links, ...(this.major === undefined ? {} : { major: this.major }) });
    for (const name of names) {
      const entry = auto.settings.get(foldSettingName(name));
      if (entry !== undefined && entry.file !== null && entry.value !== null) throw new SettingInAutoConfError(name, entry.file, entry.line, entry.value);
    }
  }

  /** Throws UnknownSettingError for the first of `names` the server does not know. */
  async #refuseUnknown(names: string[], { allowUnknown }: UnknownNameOptions): Promise<void> {
    if (allowUnknown || this.#unknownNames === undefined || names.length === 0) return;
    const [first] = await this.#unknownNames(names);
    if (first !== undefined) throw new UnknownSettingError(first.name, first.suggestion, this.#dataDirectory);
  }

  /** Throws InvalidSettingValueError for the first of `names` whose value (as `file` now holds it) the server refuses. */
  async #refuseInvalid(file: ConfigFile, names: string[], { allowInvalid }: InvalidValueOptions): Promise<void> {
    if (allowInvalid || this.#invalidValues === undefined || names.length === 0) return;
    // The value the server will read: what the edit wrote (a number or boolean made text, quotes resolved).
    const entries = names.map((name) => [name, file.get(name) ?? ''] as const);
    const [first] = await this.#invalidValues(entries);
    if (first !== undefined) {
      throw new InvalidSettingValueError(first.name, first.value, first.reason, {
        allowed: first.allowed,
        hint: 'Nothing was written; pass `allowInvalid: true` to write it anyway',
      });
    }
  }

  /**
   * The file a path-valued setting names (`hba_file`, `ident_file`), resolved against the data
   * directory; when the files do not set it, `fallback` in `fallbackDirectory` (default the data directory).
   */
  async pathSetting(name: string, fallback: string, dataDirectory: string, fallbackDirectory = dataDirectory): Promise<string> {
    const value = (await this.effective()).settings.get(name.toLowerCase())?.value;
    if (value === undefined || value === null || value === '') return join(fallbackDirectory, fallback);
    return isAbsolute(value) ? value : join(dataDirectory, value);
  }
}

function checkOptions(options: unknown): void {
  if (options === null || typeof options !== 'object') throw expected('options', 'an object', options);
  const { ignoreAutoConf, allowUnknown, allowInvalid } = options as AutoConfOptions & UnknownNameOptions & InvalidValueOptions;
  if (ignoreAutoConf !== undefined && typeof ignoreAutoConf !== 'boolean') throw expected('ignoreAutoConf', 'a boolean', ignoreAutoConf);
  if (allowUnknown !== undefined && typeof allowUnknown !== 'boolean') throw expected('allowUnknown', 'a boolean', allowUnknown);
  if (allowInvalid !== undefined && typeof allowInvalid !== 'boolean') throw expected('allowInvalid', 'a boolean', allowInvalid);
}
