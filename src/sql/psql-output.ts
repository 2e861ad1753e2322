// What `psql -X -v ON_ERROR_STOP=1 -v VERBOSITY=verbose -v ECHO=errors` writes on standard error,
// read back into messages: each starts with `psql:FILE:LINE: SEVERITY:  ` (psql's own problems
// with a lower-case `error:`), followed by DETAIL/HINT/CONTEXT/LINE/LOCATION lines, and for
// the failing query a `psql:FILE:LINE: STATEMENT:  ` message holding its text.

export interface PsqlMessage {
  /** The file as psql names it (the `-f` path, or the `\i` argument resolved by psql). */
  file: string;
  /** The line psql was reading: the line of the statement's end (its `;`). */
  line: number;
  /** `ERROR`, `NOTICE`, `WARNING`, …, `STATEMENT`; `error` for psql's own. */
  severity: string;
  sqlstate: string | null;
  message: string;
  detail?: string;
  hint?: string;
  context?: string;
  /** From `LINE n: …` and its caret: the line within the statement, the text shown, the caret's index in it. */
  position?: { statementLine: number; shown: string; caret: number };
}

const HEADER = /^psql:(.+?):(\d+): (ERROR|FATAL|PANIC|WARNING|NOTICE|INFO|LOG|DEBUG\d?|STATEMENT|error|warning|fatal):  ?(.*)$/;
const FIELD = /^(DETAIL|HINT|CONTEXT|LOCATION|QUERY):  (.*)$/;
const POSITION = /^(LINE (\d+): )(.*)$/;

/** The messages in psql's standard error, in order. Lines of no message (psql: error: …) are left out. */
export function parsePsqlMessages(stderr: string): PsqlMessage[] {
  const messages: PsqlMessage[] = [];
  const lines = stderr.split('\n');
  if (lines.at(-1) === '') lines.pop();
  let current: PsqlMessage | null = null;
  let field: 'message' | 'detail' | 'hint' | 'context' | 'skip' = 'message';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const header = HEADER.exec(line);
    if (header) {
      const [, file, lineNumber, severity, rest] = header as unknown as [string, string, string, string, string];
      const coded = severity !== 'STATEMENT' && /^[A-Z]/.test(severity) ? /^([0-9A-Z]{5}): (.*)$/.exec(rest) : null;
      current = {
        file,
        line: Number(lineNumber),
        severity,
        sqlstate: coded ? coded[1]! : null,
        message: coded ? coded[2]! : rest,
      };
      messages.push(current);
      field = 'message';
      continue;
    }
    if (current === null) continue;
    const position = current.severity !== 'STATEMENT' ? POSITION.exec(line) : null;
    if (position) {
      const caretLine = lines[i + 1] ?? '';
      const caret = caretLine.indexOf('^');
      current.position = { statementLine: Number(position[2]), shown: position[3]!, caret: caret === -1 ? -1 : caret - position[1]!.length };
      i++;
      field = 'skip';
      continue;
    }
    const named = current.severity !== 'STATEMENT' ? FIELD.exec(line) : null;
    if (named) {
      const [, name, value] = named as unknown as [string, string, string];
      field = name === 'DETAIL' ? 'detail' : name === 'HINT' ? 'hint' : name === 'CONTEXT' ? 'context' : 'skip';
      if (field !== 'skip') current[field] = value;
      continue;
    }
    // A continuation line of the field being read (a statement, a multi-line detail or context).
    if (field === 'skip') continue;
    if (field === 'message') current.message += `\n${line}`;
    else current[field] = `${current[field] ?? ''}\n${line}`;
  }
  return messages;
}

/**
 * The column (1-based) in `lineText` (the statement's line the server pointed into) of psql's
 * caret: psql shows a window of long lines between `...` marks, so the shown text is found in
 * the line first. Null when it cannot be told.
 */
export function caretColumn(lineText: string, shown: string, caret: number): number | null {
  if (caret < 0) return null;
  if (!shown.startsWith('...')) return caret + 1;
  const core = shown.slice(3).replace(/\.\.\.$/, '');
  const at = lineText.indexOf(core);
  return at === -1 ? null : at + caret - 3 + 1;
}
