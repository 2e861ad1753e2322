import type { Writable } from 'node:stream';
import type { ProgressListener } from '../control/index.js';
import { expected } from '../errors.js';

/** Options of Cluster.init, mapped to initdb's. */
export interface InitOptions {
  /** `-U`: the superuser's name. Default: the OS user initdb runs as. */
  user?: string;
  /**
   * Goes through `--pwfile` (a temporary file of mode 0600, removed afterwards), never argv or
   * SQL, so no server log can hold it. With a password the default authentication is
   * `scram-sha-256` on the socket and over TCP.
   */
  password?: string;
  /** `-E`, e.g. `utf-8` or `UTF8`. */
  encoding?: string;
  /** `--locale`. */
  locale?: string;
  lcCollate?: string;
  lcCtype?: string;
  /** `--lc-monetary`. */
  lcMonetary?: string;
  /** `--lc-numeric`. */
  lcNumeric?: string;
  /** `--lc-time`. */
  lcTime?: string;
  /** `--lc-messages`. */
  lcMessages?: string;
  /**
   * `--auth-local`, e.g. `trust`, `peer`, `scram-sha-256`. Default: `scram-sha-256` with a
   * password; without one `peer` with the map {@link PEER_MAP} (the OS user who ran init(), root
   * and the server's OS user log in as the superuser over the socket, nobody else).
   */
  authLocal?: string;
  /** `--auth-host`. Default: `scram-sha-256` with a password, else `reject` (add host rules with `hba()`). */
  authHost?: string;
  /** `--data-checksums` when true; `--no-data-checksums` when false on PostgreSQL 18+ (where they are on by default). */
  dataChecksums?: boolean;
  /** `--wal-segsize`, in megabytes (a power of two from 1 to 1024). */
  walSegsize?: number;
  /** `--waldir`: an absolute path for the WAL, outside the data directory. */
  waldir?: string;
  /** `--no-sync`: faster, not crash safe (tests). */
  noSync?: boolean;
  /**
   * Where initdb's output goes (py-postgresql's `init(logfile=…)`): a file path (appended to,
   * created with mode 0600, never through a symbolic link) or a writable stream (written to,
   * not ended). Its standard output, then its standard error, once it has exited, also when it
   * failed. Default: kept only in the error's tails.
   */
  logfile?: string | Writable;
  /** More initdb arguments, as given. */
  extraArgs?: readonly string[];
  /** Milliseconds; default 10,000 (initdb takes 1 to 3 s here with syncing; pass more on a slow disk). */
  timeout?: number;
  signal?: AbortSignal;
  /** Told when initdb starts (`step: 'initdb'`), for a command line to show; nothing is printed. */
  onProgress?: ProgressListener;
}

/** The pg_ident.conf map that init()'s default `peer` rules name. */
export const PEER_MAP = 'pg_cluster';

/**
 * The authentication init() asks initdb for where the caller chose none (neither the option nor
 * `-A`/`--auth…` in `extraArgs`): with a password `scram-sha-256` on both, else `peer` on the
 * socket (`mapsPeer`: init() then maps it, see {@link PEER_MAP}) and `reject` over TCP.
 */
export function chooseAuthentication(options: InitOptions): { authLocal?: string; authHost?: string; mapsPeer: boolean } {
  const extra = Array.isArray(options.extraArgs) ? options.extraArgs : [];
  const setsBoth = extra.some((arg) => typeof arg === 'string' && (arg.startsWith('-A') || arg === '--auth' || arg.startsWith('--auth=')));
  const setsLocal = setsBoth || options.authLocal !== undefined || extra.some((arg) => typeof arg === 'string' && arg.startsWith('--auth-local'));
  const setsHost = setsBoth || options.authHost !== undefined || extra.some((arg) => typeof arg === 'string' && arg.startsWith('--auth-host'));
  // A password file in extraArgs is a password too (initdb then enables nothing by itself).
  const hasPassword = options.password !== undefined || extra.some((arg) => typeof arg === 'string' && arg.startsWith('--pwfile'));
  return {
    ...(setsLocal ? {} : { authLocal: hasPassword ? 'scram-sha-256' : 'peer' }),
    ...(setsHost ? {} : { authHost: hasPassword ? 'scram-sha-256' : 'reject' }),
    mapsPeer: !setsLocal && !hasPassword,
  };
}

const textOptions = ['user', 'encoding', 'locale', 'lcCollate', 'lcCtype', 'lcMonetary', 'lcNumeric', 'lcTime', 'lcMessages', 'authLocal', 'authHost', 'waldir'] as const;

/** initdb's arguments for `options` (without the password file, which the caller adds). */
export function initdbArguments(dataDirectory: string, options: InitOptions, major: number): string[] {
  for (const name of textOptions) {
    const value = options[name];
    if (value !== undefined && (typeof value !== 'string' || value === '' || value.includes('\0'))) {
      throw expected(name, 'a non-empty string', value);
    }
  }
  const { user, encoding, locale, lcCollate, lcCtype, lcMonetary, lcNumeric, lcTime, lcMessages, authLocal, authHost, dataChecksums, walSegsize, waldir, noSync, extraArgs = [] } = options;
  if (dataChecksums !== undefined && typeof dataChecksums !== 'boolean') throw expected('dataChecksums', 'a boolean', dataChecksums);
  if (noSync !== undefined && typeof noSync !== 'boolean') throw expected('noSync', 'a boolean', noSync);
  if (walSegsize !== undefined && !(Number.isInteger(walSegsize) && walSegsize >= 1 && walSegsize <= 1024 && (walSegsize & (walSegsize - 1)) === 0)) {
    throw expected('walSegsize', 'a power of two from 1 to 1024 (megabytes)', walSegsize);
  }
  if (waldir !== undefined && !waldir.startsWith('/')) throw expected('waldir', 'an absolute path', waldir);
  const { logfile } = options;
  if (logfile !== undefined && !(typeof logfile === 'string' ? logfile !== '' && !logfile.includes('\0') : logfile !== null && typeof (logfile as Writable).write === 'function')) {
    throw expected('logfile', 'a file path or a writable stream', logfile);
  }
  if (!Array.isArray(extraArgs) || extraArgs.some((arg) => typeof arg !== 'string')) throw expected('extraArgs', 'an array of strings', extraArgs);

  const args = ['-D', dataDirectory];
  if (user !== undefined) args.push('-U', user);
  if (encoding !== undefined) args.push('-E', encoding);
  if (locale !== undefined) args.push(`--locale=${locale}`);
  if (lcCollate !== undefined) args.push(`--lc-collate=${lcCollate}`);
  if (lcCtype !== undefined) args.push(`--lc-ctype=${lcCtype}`);
  if (lcMonetary !== undefined) args.push(`--lc-monetary=${lcMonetary}`);
  if (lcNumeric !== undefined) args.push(`--lc-numeric=${lcNumeric}`);
  if (lcTime !== undefined) args.push(`--lc-time=${lcTime}`);
  if (lcMessages !== undefined) args.push(`--lc-messages=${lcMessages}`);
  if (authLocal !== undefined) args.push(`--auth-local=${authLocal}`);
  if (authHost !== undefined) args.push(`--auth-host=${authHost}`);
  if (dataChecksums === true) args.push('--data-checksums');
  if (dataChecksums === false && major >= 18) args.push('--no-data-checksums');
  if (walSegsize !== undefined) args.push(`--wal-segsize=${walSegsize}`);
  if (waldir !== undefined) args.push(`--waldir=${waldir}`);
  if (noSync === true) args.push('--no-sync');
  if (major >= 14) args.push('--no-instructions');
  args.push(...extraArgs);
  return args;
}
