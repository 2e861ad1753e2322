// The small files postgresql-common keeps beside a Debian cluster's postgresql.conf
// (/etc/postgresql/<major>/<name>/): start.conf, pg_ctl.conf and environment, read as
// PgCommon.pm's read_conf_file and get_cluster_start_conf read them. Pure: text in, values out.
import { splitShellWords } from '../installation/index.js';
import { DebianClusterError } from './debian-cluster-error.js';

/** start.conf: whether the cluster starts at boot (`auto`), only by hand (`manual`), or never (`disabled`). */
export type DebianStartMode = 'auto' | 'manual' | 'disabled';

/** start.conf's mode: the first line that is not blank or a comment; `auto` when there is none (or no file). */
export function parseStartConf(text: string | null, path = 'start.conf'): DebianStartMode {
  if (text === null) return 'auto';
  for (const [index, raw] of text.split('\n').entries()) {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') continue;
    const mode = /^(auto|manual|disabled)/.exec(line)?.[1];
    if (mode === undefined) throw new DebianClusterError('DEBIAN_FILE_INVALID', `Invalid mode in ${path} line ${index + 1}: \`${line}\` (one of auto, manual, disabled)`, { path, line: index + 1 });
    return mode as DebianStartMode;
  }
  return 'auto';
}

/**
 * A `name = value` file as postgresql-common reads it (`environment`, `pg_ctl.conf`): a quoted
 * value (`''` and backslash escapes resolved) or a simple one; names of a `.conf` file are
 * lowercased, the environment's kept. Includes are not followed (these files have none). A line
 * of another shape is DebianClusterError `DEBIAN_FILE_INVALID`, as pg_ctlcluster errors out.
 */
export function parseDebianConfFile(text: string, path: string): Record<string, string> {
  const values: Record<string, string> = {};
  const lowercase = path.endsWith('.conf');
  for (const [index, line] of text.split('\n').entries()) {
    if (/^\s*(?:#.*)?$/.test(line)) continue;
    const quoted = /^\s*([a-zA-Z0-9_.-]+)\s*(?:=|\s)\s*'((?:[^']|''|(?<=\\)')*)'\s*(?:#.*)?$/.exec(line);
    const simple = quoted === null ? /^\s*([a-zA-Z0-9_.-]+)\s*(?:=|\s)\s*(-?[a-zA-Z0-9][a-zA-Z0-9._:/+-]*)\s*(?:#.*)?$/.exec(line) : null;
    const match = quoted ?? simple;
    if (match === null) throw new DebianClusterError('DEBIAN_FILE_INVALID', `Invalid line ${index + 1} in ${path}: ${line}`, { path, line: index + 1 });
    const name = lowercase ? match[1]!.toLowerCase() : match[1]!;
    values[name] = quoted !== null ? match[2]!.replace(/\\(.)/g, '$1').replace(/''/g, "'") : match[2]!;
  }
  return values;
}

/** What pg_ctl.conf's `pg_ctl_options` asks of a start, in the terms pg-cluster starts servers with. */
export interface PgCtlOptions {
  /** `-o "-c name=value"` / `-o "--name=value"`: settings for the server. */
  settings: Record<string, string>;
  /** `-t SECS` / `--timeout=SECS`, in milliseconds; null when not given. */
  timeout: number | null;
  /** The words as written. */
  words: string[];
}

/**
 * pg_ctl.conf's `pg_ctl_options`, split at white space as pg_ctlcluster splits them (Perl's
 * `split ' '`: quotes are not special there) before it passes them to `pg_ctl start`; pg_ctl
 * hands an `-o` value to the shell, so that one word is split as the shell would. `-o`/`--options`
 * with `-c name=value`, `-cname=value` or `--name=value` become settings, `-t`/`--timeout` the start's
 * timeout; `-w`, `-W`, `-s`, `-c` (core files) and `--core-files` change nothing here. Anything
 * else (a postgres option other than a setting, `-l`, `-D`, …) is DebianClusterError
 * `PG_CTL_OPTION_UNSUPPORTED`: refused rather than silently dropped.
 */
export function parsePgCtlOptions(text: string, path = 'pg_ctl.conf'): PgCtlOptions {
  const words = text.split(/\s+/).filter((word) => word !== '');
  const result: PgCtlOptions = { settings: {}, timeout: null, words };
  const unsupported = (word: string): never => {
    throw new DebianClusterError('PG_CTL_OPTION_UNSUPPORTED', `${path}: pg_ctl option \`${word}\` is not supported by pg-cluster (it starts postgres itself; supported: -o "-c name=value", -t, -w, -W, -s, -c)`, { path, line: null });
  };
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (['-w', '--wait', '-W', '--no-wait', '-s', '--silent', '-c', '--core-files'].includes(word)) continue;
    let value: string | undefined;
    if (word === '-o' || word === '--options' || word === '-t' || word === '--timeout') value = words[++i];
    else if (word.startsWith('--options=')) value = word.slice('--options='.length);
    else if (word.startsWith('--timeout=')) value = word.slice('--timeout='.length);
    else if (/^-[ot]./.test(word)) value = word.slice(2);
    else unsupported(word);
    if (value === undefined) unsupported(word);
    if (word.startsWith('-t') || word.startsWith('--timeout')) {
      if (!/^\d+$/.test(value!)) unsupported(`${word} ${value}`);
      result.timeout = Number(value) * 1000;
      continue;
    }
    const server = splitShellWords(value!);
    for (let j = 0; j < server.length; j++) {
      const option = server[j]!;
      const setting = option === '-c' ? server[++j] : option.startsWith('--') ? option.slice(2) : option.startsWith('-c') ? option.slice(2) : undefined;
      const equals = setting?.indexOf('=') ?? -1;
      if (setting === undefined || equals <= 0) unsupported(`-o ${value}`);
      result.settings[setting!.slice(0, equals).replace(/-/g, '_')] = setting!.slice(equals + 1);
    }
  }
  return result;
}
