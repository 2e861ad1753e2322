// The rule model: plain objects, as pg_hba.conf's columns.

export const HBA_CONNECTION_TYPES = ['local', 'host', 'hostssl', 'hostnossl', 'hostgssenc', 'hostnogssenc'] as const;
export type HbaConnectionType = (typeof HBA_CONNECTION_TYPES)[number];

/** Authentication methods PostgreSQL knows (`oauth` from 18 on). */
export const HBA_METHODS = [
  'trust', 'reject', 'scram-sha-256', 'md5', 'password', 'gss', 'sspi', 'ident', 'peer', 'pam', 'ldap',
  'radius', 'cert', 'bsd', 'oauth',
] as const;

/**
 * One rule of pg_hba.conf.
 *
 * `database` and `user` hold the tokens as the server compares them (quotes removed). Unquoted
 * keywords (`all`, `sameuser`, `samerole`, `samegroup`, `replication`), `+group`, `@file` and
 * `/regex` (16+) keep their meaning. A name that would read as one of those if written bare is
 * held in its quoted form: the database called `all` is `'"all"'`, the role called `+x` is `'"+x"'`.
 */
export interface HbaRule {
  type: HbaConnectionType;
  database: string[];
  user: string[];
  /** An IP address (with `/bits` or a separate `netmask`), a host name, `all`, `samehost` or `samenet`. Absent for `local`. */
  address?: string;
  netmask?: string;
  method: string;
  /** `name=value` options after the method, in file order; a repeated name keeps the last value (as the server). */
  options: Record<string, string>;
}

/** A rule read from a file: its 1-based line number, its raw text, and the comment lines attached above it. */
export interface HbaFileRule extends HbaRule {
  line: number;
  raw: string;
  /**
   * Comment lines directly above the rule (no blank line between). From `pop`: the lines that went
   * with it (none when they head a group of rules and stayed in place).
   */
  comments: string[];
}

/** What the editing operations accept: single names may be given as a string. */
export interface HbaRuleInput {
  type: string;
  database: string | string[];
  user: string | string[];
  address?: string;
  netmask?: string;
  method: string;
  options?: Record<string, string>;
  /** Comment lines to write above the rule (each starting with `#`). */
  comments?: string[];
  /** The rule's text as read from a file; reused verbatim when it still says exactly this rule. */
  raw?: string;
}

/** An `include`, `include_if_exists` or `include_dir` line (PostgreSQL 16+): an entry of its own kind, not a rule. */
export interface HbaInclude {
  kind: 'include' | 'include_if_exists' | 'include_dir';
  path: string;
  line: number;
  raw: string;
}

/**
 * Why a line is rejected: the server's checks of a line (`*_INVALID_LINE`), a regular expression it
 * cannot compile (`*_INVALID_REGEX`), or, when files are read (`readHbaFileSet`,
 * `readIdentFileSet`), a file the line names that cannot be read: an `@file` or included file
 * (`AUTH_FILE_UNREADABLE`), an `include_dir` folder (`AUTH_DIRECTORY_UNREADABLE`), nesting deeper
 * than the server's limit of 10 (`AUTH_FILE_DEPTH_EXCEEDED`, 16+), an `@file` that lists itself
 * (`AUTH_FILE_RECURSION`, before 16, where the server has no limit and fails the whole read), and,
 * ours rather than the server's, an `@file`, included file or `include_dir` folder that is a
 * symbolic link, not followed without `followSymlinks` (`AUTH_FILE_IS_SYMLINK`).
 */
export type HbaDiagnosticCode =
  | 'HBA_INVALID_LINE'
  | 'HBA_INVALID_REGEX'
  | 'IDENT_INVALID_LINE'
  | 'IDENT_INVALID_REGEX'
  | 'AUTH_FILE_UNREADABLE'
  | 'AUTH_DIRECTORY_UNREADABLE'
  | 'AUTH_FILE_DEPTH_EXCEEDED'
  | 'AUTH_FILE_RECURSION'
  | 'AUTH_FILE_IS_SYMLINK';

/** Something the parser could not read as the server would accept it. Parsing never throws. */
export interface HbaDiagnostic {
  code: HbaDiagnosticCode;
  /** 1-based line of the record's first physical line. */
  line: number;
  /** 1-based column where the offending token starts (1 when the whole line is at fault). */
  column: number;
  /** The server's own message for the line, as pg_hba_file_rules.error shows it (or, when `isSilent`, as its log shows it). */
  message: string;
  raw: string;
  /**
   * The server rejects the line (it refuses to start, a reload keeps the old rules) and logs
   * `message`, but sets no error text for it: pg_hba_file_rules shows the line as a row of NULLs,
   * its `error` column too (or the line's own hostssl/hostgssenc warning when it has one). Some of
   * hba.c's checks do this: `clientcert`/`clientname` values, RADIUS lists and ports (13: list lengths).
   */
  isSilent?: boolean;
}

const DATABASE_KEYWORDS = new Set(['all', 'sameuser', 'samerole', 'samegroup', 'replication']);
const ADDRESS_KEYWORDS = new Set(['all', 'samehost', 'samenet']);

export type TokenField = 'database' | 'user' | 'address' | 'plain';

/** Whether an unquoted token with this text means something other than the name itself. */
export function isSpecialBare(text: string, field: TokenField): boolean {
  if (text.startsWith('"')) return true;
  // The tokenizer replaces a bare @file by the file's contents in every field.
  if (text.length > 1 && text.startsWith('@')) return true;
  if (field === 'plain') return false;
  if (field === 'address') return ADDRESS_KEYWORDS.has(text);
  if (field === 'database') return DATABASE_KEYWORDS.has(text);
  return text === 'all' || text.startsWith('+');
}

/** Writes a token in double quotes, doubling the quotes inside. */
export function quoteToken(text: string): string {
  return `"${text.replaceAll('"', '""')}"`;
}

/** The model value of a token: its server string, or its quoted form when quoting changes its meaning. */
export function toModelValue(token: { value: string; quoted: boolean }, field: TokenField): string {
  if (token.quoted && isSpecialBare(token.value, field)) return quoteToken(token.value);
  return token.value;
}

/** The string the server compares for a model value (`'"all"'` → `all`). */
export function toServerString(value: string): string {
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) return value.slice(1, -1).replaceAll('""', '"');
  return value;
}
