import { ConfigEncodingError, foldSettingName, type ConfigEncoding } from '../config/index.js';
import { expected } from '../errors.js';
import { digestOf } from '../fs/file-snapshot.js';
import { writeTextFileGuarded } from '../fs/guarded-write.js';
import type { SymlinkOptions } from '../fs/regular-file.js';
import { encodeFileText } from '../fs/text-encoding.js';
import type { ReloadResult } from './cluster.js';
import { SettingsRestoreConflictError } from './settings-restore-conflict-error.js';

/** How the settings reach the server: a reload when it runs (null when it does not). */
export type ReloadIfRunning = () => Promise<ReloadResult | null>;

export interface TemporarySettingsState {
  path: string;
  /** The names the temporary edit set or commented out. */
  names: readonly string[];
  previousText: string;
  writtenText: string;
  encoding: ConfigEncoding;
  links: SymlinkOptions;
  reload: ReloadResult | null;
  reloadIfRunning: ReloadIfRunning | undefined;
}

export interface RestoreResult {
  /** False when an earlier restore() (or dispose) had already put the file back. */
  restored: boolean;
  /** The server's verdict on the restored file, when it runs; null when it does not. */
  reload: ReloadResult | null;
  /** Of the temporary settings, those whose restored value needs a restart to apply. */
  pendingRestart: string[];
}

/**
 * Settings written to postgresql.conf for a while (`cluster.settings.temporarily(…)`), as
 * py-postgresql's `with cluster.settings(**kw):`. Disposing it (`await using`, or `restore()` in
 * a `finally`) writes the file's previous text back, byte for byte, and reloads a running server.
 * The restore refuses to overwrite an edit someone else made meanwhile
 * (SettingsRestoreConflictError, nothing written) unless `force`.
 */
export class TemporarySettings implements AsyncDisposable {
  /** The postgresql.conf that was edited. */
  readonly path: string;
  /** The text the file held before, which restore() writes back. */
  readonly previousText: string;
  /** The server's verdict on the temporary settings, when it runs; null when it does not. */
  readonly reload: ReloadResult | null;
  /**
   * Of the temporary settings, those the running server took but will use only after a restart
   * (`pg_settings.pending_restart`): a reload does not apply them. Empty when no server runs.
   */
  readonly pendingRestart: string[];

  readonly #state: TemporarySettingsState;
  #restored: Promise<RestoreResult> | null = null;

  constructor(state: TemporarySettingsState) {
    this.#state = state;
    this.path = state.path;
    this.previousText = state.previousText;
    this.reload = state.reload;
    this.pendingRestart = pendingAmong(state.reload, state.names);
  }

  /** Whether restore() (or dispose) has run. */
  get isRestored(): boolean {
    return this.#restored !== null;
  }

  /**
   * Writes the previous text back (atomically, keeping owner and mode) and reloads a running
   * server. Runs once; later calls return the first one's result with `restored: false`.
   * `force`: restore even when someone else changed the file meanwhile (their edit is lost).
   */
  async restore(options: { force?: boolean } = {}): Promise<RestoreResult> {
    if (options === null || typeof options !== 'object') throw expected('options', 'an object', options);
    const { force = false } = options;
    if (typeof force !== 'boolean') throw expected('force', 'a boolean', force);
    if (this.#restored !== null) return { ...(await this.#restored), restored: false };
    const attempt = this.#restore(force);
    this.#restored = attempt;
    // A refused restore can be retried (with force, or after the other edit is undone).
    attempt.catch(() => {
      if (this.#restored === attempt) this.#restored = null;
    });
    return attempt;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.restore();
  }

  async #restore(force: boolean): Promise<RestoreResult> {
    const { path, previousText, writtenText, encoding, links, names, reloadIfRunning } = this.#state;
    await writeTextFileGuarded(path, previousText, {
      encoding,
      snapshot: { path, digest: digestOf(encodeFileText(writtenText, encoding)) },
      force,
      ...links,
      changed: () => new SettingsRestoreConflictError(path, previousText),
      unencodable: (character) => new ConfigEncodingError({ path, encoding, settingName: undefined, character }),
    });
    const reload = reloadIfRunning === undefined ? null : await reloadIfRunning();
    return { restored: true, reload, pendingRestart: pendingAmong(reload, names) };
  }
}

function pendingAmong(reload: ReloadResult | null, names: readonly string[]): string[] {
  if (reload === null) return [];
  const wanted = new Set(names.map(foldSettingName));
  return reload.pendingRestart.filter((name) => wanted.has(foldSettingName(name)));
}
