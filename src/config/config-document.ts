// The shapes ConfigFile hands out: lines, settings, include directives, diagnostics, options.
import type { IncludeDirective, LineEnding } from './config-line.js';

/** An assignment in the file: active, or commented out like `#work_mem = 4MB`. */
export interface ConfigSetting {
  /** The name as written. */
  name: string;
  /** The name in lower case, as the server compares names. */
  key: string;
  /** The value the server reads: quotes and escapes resolved. */
  value: string;
  /** The value as written, quotes included. */
  rawValue: string;
  isQuoted: boolean;
  /** 1-based line number. */
  line: number;
  /** The whole line as written, without its line ending. */
  raw: string;
  /** The trailing comment, `#` included. */
  comment: string | undefined;
  isCommentedOut: boolean;
  /** Whether this is the line that takes effect (the last active one for its name). */
  isEffective: boolean;
}

/** An `include`, `include_if_exists` or `include_dir` directive. */
export interface ConfigInclude {
  directive: IncludeDirective;
  /** The path as written (relative paths are relative to this file's folder). */
  path: string;
  line: number;
  raw: string;
  isCommentedOut: boolean;
}

export interface ConfigLine {
  number: number;
  text: string;
  eol: LineEnding;
  kind: 'blank' | 'comment' | 'assignment' | 'invalid';
  /** The setting on this line (active or commented out), if any. */
  setting: ConfigSetting | undefined;
  include: ConfigInclude | undefined;
}

/** Something about the text worth knowing: a line the server cannot read, a byte-order mark. */
export interface ConfigDiagnostic {
  code: 'CONFIG_SYNTAX_ERROR' | 'CONFIG_BYTE_ORDER_MARK';
  severity: 'error' | 'warning';
  line: number;
  column: number;
  message: string;
}

export interface SetOptions {
  /** Write the setting in this file even when an included file sets it (appended at the end). */
  inMainFile?: boolean;
}

export interface UnsetOptions extends SetOptions {
  /** Delete the lines instead of commenting them out. */
  remove?: boolean;
}

export interface SaveOptions {
  /** Write even if the file changed on disk since it was read (or exists but was never read). */
  force?: boolean;
  /** Mode, owner and group of a new file; an existing file keeps its own. */
  mode?: number;
  uid?: number;
  gid?: number;
}
