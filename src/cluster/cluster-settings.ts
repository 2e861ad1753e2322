import { dirname, isAbsolute, join } from 'node:path';
import { ConfigFile, readConfigFileSet, type ConfigFileSet, type ConfigValue } from '../config/index.js';
import { expected } from '../errors.js';
import { missingFileError } from './cluster-not-initialized-error.js';

/**
 * A cluster's `postgresql.conf` as py-postgresql's `Cluster.settings` mapping: every call reads
 * the file (nothing is cached), values are strings, and writes go through the lossless
 * ConfigFile editor (only the lines concerned change; the file keeps its owner and mode; a
 * concurrent edit by someone else is refused with ConfigFileChangedError). `get` answers as the
 * server reads this file and what it includes; `effective()` adds `postgresql.auto.conf`.
 */
export class ClusterSettings {
  /** The postgresql.conf this mapping reads and writes. */
  readonly path: string;
  /**
   * The server's major version, which decides how `effective()` names included files (before 15
   * the server keeps `.` and `..` of a relative include as written). Undefined: 15 and later.
   */
  readonly major: number | undefined;

  constructor(dataDirectory: string, major?: number) {
    if (major !== undefined && !(Number.isInteger(major) && major > 0)) throw expected('major', 'a positive integer', major);
    this.path = join(dataDirectory, 'postgresql.conf');
    this.major = major;
  }

  /** Loads the file into the editor, for edits this mapping does not offer. Call `save()` on it. */
  async load(): Promise<ConfigFile> {
    return ConfigFile.load(this.path).catch((error: unknown) => {
      throw missingFileError(dirname(this.path), this.path, error);
    });
  }

  /** The value of a setting (a string), or undefined when the file does not set it. */
  async get(name: string): Promise<string | undefined> {
    return (await this.load()).get(name);
  }

  async has(name: string): Promise<boolean> {
    return (await this.get(name)) !== undefined;
  }

  /** Sets one setting (one write). */
  async set(name: string, value: ConfigValue): Promise<void> {
    const file = await this.load();
    file.set(name, value);
    await file.save();
  }

  /** Sets many settings in one write; `null` or `undefined` comments a setting out. All or nothing. */
  async update(settings: Readonly<Record<string, ConfigValue | null | undefined>>): Promise<void> {
    if (settings === null || typeof settings !== 'object') throw expected('settings', 'an object of setting names to values', settings);
    const file = await this.load();
    file.update({ ...settings });
    await file.save();
  }

  /** The settings among `names` that the file sets, read once: `{ name: value }`. */
  async getset(names: Iterable<string>): Promise<Record<string, string>> {
    if (names === null || typeof names !== 'object' || typeof (names as Iterable<string>)[Symbol.iterator] !== 'function') {
      throw expected('names', 'an iterable of setting names', names);
    }
    const file = await this.load();
    const found: Record<string, string> = {};
    for (const name of names) {
      const value = file.get(name);
      if (value !== undefined) found[name] = value;
    }
    return found;
  }

  /** Comments out every active line that sets `name` (py-postgresql's `del settings[name]`). */
  async delete(name: string): Promise<void> {
    const file = await this.load();
    file.unset(name);
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

  /**
   * What the server would read: postgresql.conf, its includes, then postgresql.auto.conf, with
   * the file and line each effective value comes from, and the errors the server would report.
   */
  async effective(): Promise<ConfigFileSet> {
    return readConfigFileSet(this.path, this.major === undefined ? {} : { major: this.major });
  }

  /** The file a path-valued setting names (`hba_file`, `ident_file`), resolved against the data directory. */
  async pathSetting(name: string, fallback: string, dataDirectory: string): Promise<string> {
    const value = (await this.effective()).settings.get(name.toLowerCase())?.value;
    if (value === undefined || value === null || value === '') return join(dataDirectory, fallback);
    return isAbsolute(value) ? value : join(dataDirectory, value);
  }
}
