import { isAbsolute, join, resolve } from 'node:path';
import { expected } from '../errors.js';

/** Where a cluster's configuration files are, when not all in its data directory. */
export interface ClusterLayoutOptions {
  /**
   * The folder that holds postgresql.conf, pg_hba.conf and pg_ident.conf (Debian's
   * `/etc/postgresql/<major>/<name>`). Not with `configFile`.
   */
  configDirectory?: string;
  /** The postgresql.conf the server reads (its `config_file`). Not with `configDirectory`. */
  configFile?: string;
  /** The pg_hba.conf the server reads (its `hba_file`), whatever postgresql.conf says. */
  hbaFile?: string;
  /** The pg_ident.conf the server reads (its `ident_file`), whatever postgresql.conf says. */
  identFile?: string;
}

/** The layout a Cluster was given, made absolute and checked. */
export interface ClusterLayout {
  /** The postgresql.conf: `<dataDirectory>/postgresql.conf` unless given. */
  configFile: string;
  /** The folder the configuration files are in when given (`configDirectory`, or the folder of `configFile`), else null. */
  configDirectory: string | null;
  /** The `hbaFile` given, else null: then postgresql.conf's `hba_file`, else `<defaultDirectory>/pg_hba.conf`. */
  hbaFile: string | null;
  /** As `hbaFile`, for pg_ident.conf. */
  identFile: string | null;
  /** Where pg_hba.conf and pg_ident.conf are when neither an option nor postgresql.conf names them: `configDirectory`, else the data directory (as the server does with `-D`). */
  defaultDirectory: string;
  /** Whether postgresql.conf is outside the data directory (the server is then given `config_file`). */
  isSplit: boolean;
}

/** Checks the layout options of `new Cluster(…)` (InvalidArgumentError for a bad one or a bad combination). */
export function resolveClusterLayout(dataDirectory: string, options: ClusterLayoutOptions): ClusterLayout {
  const { configDirectory, configFile, hbaFile, identFile } = options;
  for (const [name, value] of Object.entries({ configDirectory, configFile, hbaFile, identFile })) {
    if (value !== undefined && (typeof value !== 'string' || !isAbsolute(value) || value.includes('\0'))) throw expected(name, 'an absolute path', value);
  }
  if (configDirectory !== undefined && configFile !== undefined) {
    throw expected('configFile', 'unset when `configDirectory` is given (the postgresql.conf is then `<configDirectory>/postgresql.conf`)', configFile);
  }
  const folder = configDirectory === undefined ? null : resolve(configDirectory);
  const conf = configFile !== undefined ? resolve(configFile) : join(folder ?? dataDirectory, 'postgresql.conf');
  const isSplit = conf !== join(dataDirectory, 'postgresql.conf');
  for (const [name, value] of Object.entries({ hbaFile, identFile })) {
    if (value !== undefined && resolve(value) === conf) throw expected(name, 'another file than the postgresql.conf', value);
  }
  return {
    configFile: conf,
    configDirectory: folder ?? (configFile !== undefined && isSplit ? resolve(configFile, '..') : null),
    hbaFile: hbaFile !== undefined ? resolve(hbaFile) : null,
    identFile: identFile !== undefined ? resolve(identFile) : null,
    defaultDirectory: folder ?? dataDirectory,
    isSplit,
  };
}
