// The tokenizer PostgreSQL uses for pg_hba.conf and pg_ident.conf (src/backend/libpq/hba.c,
// next_token / next_field_expand / tokenize_auth_file), reproduced so that our reading of a file
// is the server's reading, and extended with offsets so that edits can splice the original text.

/** One physical line of a file: its text without the line ending, and the ending itself. */
export interface PhysicalLine {
  text: string;
  /** `'\n'`, `'\r\n'`, or `''` for a last line without a final newline. */
  eol: string;
}

/**
 * One logical line: a physical line plus the physical lines a trailing backslash pulled in
 * (PostgreSQL 14+). `text` is every physical line joined with its ending, without the last ending.
 */
export interface LogicalLine {
  text: string;
  eol: string;
  /** How many physical lines it spans (1 when there is no continuation). */
  lineCount: number;
  /** The file ended while this line was still continued: the server drops that last backslash too. */
  openEnded?: boolean;
}

/** A token as the server sees it, with where it sits in the logical line's joined content. */
export interface AuthToken {
  /** The string the server compares: quotes removed, `""` turned into `"`. */
  value: string;
  /** Whether a double quote came before the first character (hba.c's `initial_quote`). */
  quoted: boolean;
  /** Whether any double quote appeared in the token. */
  sawQuote: boolean;
  /** Offsets into the content the server tokenizes (continuations removed). */
  start: number;
  end: number;
}

/** A field: the tokens between blanks, which commas separate into a list. */
export interface AuthField {
  tokens: AuthToken[];
  start: number;
  end: number;
}

export interface LexedLine {
  fields: AuthField[];
  /** The content the server tokenizes: continuation backslashes and line breaks removed. */
  content: string;
  /** Offset of an unquoted `#` comment in `content`, or -1. */
  commentStart: number;
  /**
   * A tokenizer error, if any. None is produced today: old servers refused tokens over 255 bytes
   * ("authentication file token too long"), but the 13.23, 15.18 and 18.4 builds tested accept them.
   */
  error?: string;
}

export interface LexOptions {
  /** The PostgreSQL major version whose rules apply (continuations need 14+). */
  major?: number;
}

export const LATEST_MAJOR = 18;

/** PostgreSQL's pg_isblank: space, tab and carriage return. */
export function isBlank(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\r';
}

/** Splits text into physical lines the way fgets does: at `\n` only, keeping `\r\n` as the ending. */
export function splitPhysicalLines(text: string): PhysicalLine[] {
  const lines: PhysicalLine[] = [];
  let start = 0;
  while (start < text.length) {
    const nl = text.indexOf('\n', start);
    if (nl === -1) {
      lines.push({ text: text.slice(start), eol: '' });
      break;
    }
    const crlf = nl > start && text[nl - 1] === '\r';
    lines.push({ text: text.slice(start, crlf ? nl - 1 : nl), eol: crlf ? '\r\n' : '\n' });
    start = nl + 1;
  }
  return lines;
}

/** pg_strip_crlf: drops every trailing `\r` and `\n`. */
function stripCrlf(text: string): string {
  let end = text.length;
  while (end > 0 && (text[end - 1] === '\r' || text[end - 1] === '\n')) end--;
  return text.slice(0, end);
}

/**
 * Groups physical lines into logical lines. From 14 on, a line whose content (after stripping
 * trailing CR/LF) ends in a backslash continues on the next line, even inside a comment or quotes.
 */
export function joinLogicalLines(lines: PhysicalLine[], options: LexOptions = {}): LogicalLine[] {
  const continuation = (options.major ?? LATEST_MAJOR) >= 14;
  const logical: LogicalLine[] = [];
  let i = 0;
  while (i < lines.length) {
    const first = lines[i]!;
    // Only the last physical line decides whether the record goes on: the server's test
    // (buf.len > last_backslash_buflen && buf ends in a backslash) is "the stripped new line is
    // not empty and ends in a backslash". Testing the joined content instead would flatten a
    // growing string on every line: quadratic on one long record.
    const parts = [first.text];
    let eol = first.eol;
    let last = stripCrlf(first.text);
    i++;
    let openEnded = false;
    while (continuation && last.endsWith('\\')) {
      const next = lines[i];
      if (!next) {
        openEnded = true;
        break;
      }
      parts.push(eol, next.text);
      last = stripCrlf(next.text);
      eol = next.eol;
      i++;
    }
    const text = parts.length === 1 ? first.text : parts.join('');
    const count = (parts.length + 1) / 2;
    logical.push(openEnded ? { text, eol, lineCount: count, openEnded } : { text, eol, lineCount: count });
  }
  return logical;
}

/**
 * Whether `text` is a comment line that can be written above an entry: it starts with `#` (after
 * blanks) and reads as one logical line that does not continue onto the next (from 14 on, a last
 * backslash would glue the entry below onto the comment). A comment read from a file, continued
 * over several physical lines, passes.
 */
export function isCommentLine(text: unknown, options: LexOptions = {}): boolean {
  // A final CR would join the line ending we write (CRLF), and the comment would read back without it.
  if (typeof text !== 'string' || !/^[ \t]*#/.test(text) || text.includes('\0') || text.endsWith('\r')) return false;
  const logical = joinLogicalLines(splitPhysicalLines(text), options);
  return logical.length === 1 && logical[0]!.eol === '' && logical[0]!.openEnded !== true;
}

/**
 * Where the content of a logical line sits in its text: one entry per non-empty physical part,
 * so that it stays small on a long record (a map per character would be eight bytes a character).
 */
export interface ContentMap {
  /** Offset in the content where each non-empty part starts, ascending. */
  contentStarts: number[];
  /** Offset in the line's text of that part's first character. */
  textStarts: number[];
  contentLength: number;
  textLength: number;
}

/** The offset in the line's text of content offset `offset`; the end of the text from the end of the content on. */
export function textOffsetOf(map: ContentMap, offset: number): number {
  if (offset >= map.contentLength || map.contentStarts.length === 0) return map.textLength;
  let low = 0;
  let high = map.contentStarts.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (map.contentStarts[middle]! <= offset) low = middle;
    else high = middle - 1;
  }
  return map.textStarts[low]! + Math.max(0, offset - map.contentStarts[low]!);
}

/** The content the server tokenizes for a logical line: physical lines joined, backslashes removed. */
export function logicalContent(line: LogicalLine, options: LexOptions = {}): { content: string; map: ContentMap } {
  // line.text holds the physical lines joined by their endings (an empty last one too).
  const physical = line.text.split('\n');
  const continuation = (options.major ?? LATEST_MAJOR) >= 14;
  const parts: string[] = [];
  const map: ContentMap = { contentStarts: [], textStarts: [], contentLength: 0, textLength: line.text.length };
  let offset = 0;
  physical.forEach((text, index) => {
    const isLast = index === physical.length - 1;
    let stripped = stripCrlf(text);
    if ((!isLast || line.openEnded === true) && continuation && stripped.endsWith('\\')) stripped = stripped.slice(0, -1);
    if (stripped.length > 0) {
      map.contentStarts.push(map.contentLength);
      map.textStarts.push(offset);
      parts.push(stripped);
      map.contentLength += stripped.length;
    }
    offset += text.length + 1;
  });
  return { content: parts.join(''), map };
}

/** Tokenizes one logical line's content into fields, exactly as next_field_expand does. */
export function lexContent(content: string, _options: LexOptions = {}): LexedLine {
  const fields: AuthField[] = [];
  let pos = 0;
  let commentStart = -1;
  while (pos < content.length) {
    const tokens: AuthToken[] = [];
    let fieldStart = -1;
    let fieldEnd = -1;
    for (;;) {
      // Skip blanks and commas before the token.
      while (pos < content.length && (isBlank(content[pos]) || content[pos] === ',')) pos++;
      const start = pos;
      // The value is built from slices between the quotes it drops, not a character at a time.
      let value = '';
      let chunkStart = pos;
      let inQuote = false;
      let wasQuote = false;
      let sawQuote = false;
      let initialQuote = false;
      let terminatingComma = false;
      while (pos < content.length && (!isBlank(content[pos]) || inQuote)) {
        const c = content[pos]!;
        if (c === '#' && !inQuote) {
          commentStart = pos;
          break;
        }
        if (c === ',' && !inQuote) {
          terminatingComma = true;
          break;
        }
        if (c === '"') {
          if (!wasQuote) {
            value += content.slice(chunkStart, pos);
            chunkStart = pos + 1;
            if (value === '') initialQuote = true;
          }
          wasQuote = inQuote ? !wasQuote : false;
          inQuote = !inQuote;
          sawQuote = true;
        } else {
          wasQuote = false;
        }
        pos++;
      }
      value += content.slice(chunkStart, pos);
      if (commentStart !== -1) pos = content.length;
      const end = terminatingComma ? pos : Math.min(pos, commentStart === -1 ? pos : commentStart);
      if (terminatingComma) pos++;
      const hasToken = sawQuote || value !== '';
      if (!hasToken) break;
      if (fieldStart === -1) fieldStart = start;
      fieldEnd = end;
      tokens.push({ value, quoted: initialQuote, sawQuote, start, end });
      if (!terminatingComma) break;
    }
    if (tokens.length > 0) fields.push({ tokens, start: fieldStart, end: fieldEnd });
    else if (commentStart !== -1 || pos >= content.length) break;
  }
  return { fields, content, commentStart };
}
