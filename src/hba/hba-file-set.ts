// pg_hba.conf as the server reads it from disk: the file with the files it includes (16+) and
// the `@file` lists its fields name, read as pg_hba_file_rules shows them. HbaFile edits one
// file's text; this reads what all of them say together.
import { type AuthSetDiagnostic, type ReadAuthFileSetOptions, readWalkedLines, walkAuthFileSet } from './auth-file-set.js';
import { type InterpretOptions, interpretHbaLine } from './hba-record.js';
import type { HbaRule } from './hba-rule.js';

export interface ReadHbaFileSetOptions extends ReadAuthFileSetOptions {
  /** Methods the server build lacks (default sspi, bsd), as for HbaFile.parse. */
  unsupportedMethods?: readonly string[];
  /** The server's oauth_validator_libraries (18+), as for HbaFile.parse. */
  oauthValidatorLibraries?: readonly string[];
}

/** A rule as the server reads it: `@file` lists expanded, with the file and line it is written on. */
export interface HbaSetRule extends HbaRule {
  file: string;
  line: number;
  raw: string;
  /** For each value of `database` and `user`, the file it was read from: the rule's own file, or the `@file` listing it. */
  sources: { database: string[]; user: string[] };
}

export type HbaSetEntry = { kind: 'rule'; rule: HbaSetRule } | { kind: 'error'; diagnostic: AuthSetDiagnostic };

export interface HbaFileSet {
  readonly major: number;
  /** Every file read, in order: the main file, included files, `@file`s. */
  readonly files: string[];
  /** Rules and rejected lines in the server's reading order: the rows of pg_hba_file_rules. */
  readonly entries: HbaSetEntry[];
  readonly rules: HbaSetRule[];
  /** The rejected lines. With any, the server refuses to start and a reload keeps the old rules. */
  readonly diagnostics: AuthSetDiagnostic[];
}

/**
 * Reads pg_hba.conf at `path` as the server does: included files followed (16+), `@file` tokens
 * replaced by the names in those files (relative paths from the folder of the file naming them),
 * every line checked. A missing or unreadable file named by a line makes that line an error, with
 * the server's message; the main file itself must be readable (the promise rejects otherwise).
 */
export async function readHbaFileSet(path: string, options: ReadHbaFileSetOptions = {}): Promise<HbaFileSet> {
  const { major, files, lines } = await walkAuthFileSet(path, options);
  const interpretOptions: InterpretOptions = { major };
  if (options.unsupportedMethods) interpretOptions.unsupportedMethods = options.unsupportedMethods;
  if (options.oauthValidatorLibraries) interpretOptions.oauthValidatorLibraries = options.oauthValidatorLibraries;
  const read = readWalkedLines<HbaSetRule>(lines, { line: 'HBA_INVALID_LINE', regex: 'HBA_INVALID_REGEX' }, (line) => {
    const record = interpretHbaLine({ ...line.lexed, fields: line.fields }, interpretOptions);
    if (record.kind === 'invalid') return record;
    if (record.kind !== 'rule') return { kind: 'none' };
    const sources = { database: line.fields[1]!.tokens.map((t) => t.source), user: line.fields[2]!.tokens.map((t) => t.source) };
    return { kind: 'item', item: { ...record.rule, file: line.file, line: line.line, raw: line.raw, sources } };
  });
  const entries: HbaSetEntry[] = read.map((e) => (e.kind === 'item' ? { kind: 'rule', rule: e.item } : e));
  return {
    major,
    files,
    entries,
    rules: entries.flatMap((e) => (e.kind === 'rule' ? [e.rule] : [])),
    diagnostics: entries.flatMap((e) => (e.kind === 'error' ? [e.diagnostic] : [])),
  };
}
