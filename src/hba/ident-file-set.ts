// pg_ident.conf as the server reads it from disk: the file with the files it includes (16+) and
// the `@file`s its fields name, as pg_ident_file_mappings shows them.
import { type AuthSetDiagnostic, type ReadAuthFileSetOptions, readWalkedLines, walkAuthFileSet } from './auth-file-set.js';
import { type IdentMapping, interpretIdentLine } from './ident-record.js';

/** A mapping as the server reads it, with the file and line it is written on. */
export interface IdentSetMapping extends IdentMapping {
  file: string;
  line: number;
  raw: string;
  /** For each field, the file it was read from: the mapping's own file, or an `@file`. */
  sources: { map: string; systemUser: string; pgUser: string };
}

export type IdentSetEntry = { kind: 'mapping'; mapping: IdentSetMapping } | { kind: 'error'; diagnostic: AuthSetDiagnostic };

export interface IdentFileSet {
  readonly major: number;
  readonly files: string[];
  /** Mappings and rejected lines in the server's reading order: the rows of pg_ident_file_mappings. */
  readonly entries: IdentSetEntry[];
  readonly mappings: IdentSetMapping[];
  readonly diagnostics: AuthSetDiagnostic[];
}

/** Reads pg_ident.conf at `path` as the server does (see readHbaFileSet). */
export async function readIdentFileSet(path: string, options: ReadAuthFileSetOptions = {}): Promise<IdentFileSet> {
  const { major, files, lines } = await walkAuthFileSet(path, options);
  const read = readWalkedLines<IdentSetMapping>(lines, { line: 'IDENT_INVALID_LINE', regex: 'IDENT_INVALID_REGEX' }, (line) => {
    const record = interpretIdentLine({ ...line.lexed, fields: line.fields }, { major });
    if (record.kind === 'invalid') return record;
    if (record.kind !== 'mapping') return { kind: 'none' };
    const source = (i: number): string => line.fields[i]!.tokens[0]!.source;
    const sources = { map: source(0), systemUser: source(1), pgUser: source(2) };
    return { kind: 'item', item: { ...record.mapping, file: line.file, line: line.line, raw: line.raw, sources } };
  });
  const entries: IdentSetEntry[] = read.map((e) => (e.kind === 'item' ? { kind: 'mapping', mapping: e.item } : e));
  return {
    major,
    files,
    entries,
    mappings: entries.flatMap((e) => (e.kind === 'mapping' ? [e.mapping] : [])),
    diagnostics: entries.flatMap((e) => (e.kind === 'error' ? [e.diagnostic] : [])),
  };
}
