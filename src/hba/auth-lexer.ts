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
  /** Before 14: a piece of a physical line that filled the server's line buffer (see MAX_LINE). */
  isTooLong?: boolean;
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
   * A tokenizer error, if any: before 16 a token is read into a buffer of MAX_TOKEN (10,240)
   * bytes, and one that does not fit makes the whole line "authentication file token too long"
   * (the 13.23, 14.23 and 15.18 builds tested; 16 reads tokens of any length).
   */
  error?: string;
}

export interface LexOptions {
  /** The PostgreSQL major version whose rules apply (continuations need 14+). */
  major?: number;
}

export const LATEST_MAJOR = 18;

/** hba.c's MAX_TOKEN before 16: a token's value holds at most this many bytes, minus one. */
export const MAX_TOKEN = 10240;
export const TOKEN_TOO_LONG = 'authentication file token too long';

/**
 * hba.c's MAX_LINE before 14: each fgets reads at most MAX_LINE - 1 bytes. A piece that fills
 * them is "authentication file line too long", and the rest of the physical line is read as a
 * line of its own (which may hold a rule). Counted in UTF-8; a piece boundary inside a character
 * puts the whole character in the next piece.
 */
export const MAX_LINE = 20480;
export const LINE_TOO_LONG = 'authentication file line too long';

/** The pieces fgets reads from one physical line before 14, as lines of their own. */
function splitLongLine(line: PhysicalLine): LogicalLine[] {
  const limit = MAX_LINE - 1;
  const full = line.text + line.eol;
  // Three bytes a code unit at most: a shorter line cannot fill the buffer.
  if (full.length * 3 < limit) return [{ text: line.text, eol: line.eol, lineCount: 1 }];
  const pieces: LogicalLine[] = [];
  let bytes = 0;
  let pieceStart = 0;
  let boundary = limit;
  for (let i = 0; i < full.length; i++) {
    const length = utf8Length(full.charCodeAt(i));
    if (bytes + length > boundary) {
      // The server's piece ends at `boundary`, at or inside this character.
      pieces.push({ text: full.slice(pieceStart, i), eol: '', lineCount: 1, isTooLong: true });
      pieceStart = i;
      boundary += limit;
    }
    bytes += length;
  }
  const last = full.slice(pieceStart);
  const eol = last.endsWith('\r\n') ? '\r\n' : last.endsWith('\n') ? '\n' : '';
  const piece: LogicalLine = { text: last.slice(0, last.length - eol.length), eol, lineCount: 1 };
  if (bytes - (boundary - limit) === limit) piece.isTooLong = true;
  pieces.push(piece);
  return pieces;
}

/** Bytes of one UTF-16 code unit in UTF-8 (a surrogate pair counts two and two). */
function utf8Length(code: number): number {
  return code < 0x80 ? 1 : code < 0x800 || (code >= 0xd800 && code <= 0xdfff) ? 2 : 3;
}

/**
 * Whether next_token (13–15) gives up on the token at `start`: before it takes each byte it
 * checks that the value is under MAX_TOKEN - 1 bytes, for every byte it meets in the token,
 * quotes and a terminating comma included (not a `#` that starts a comment). Counted in UTF-8.
 */
function isTokenTooLong(content: string, start: number): boolean {
  let bytes = 0;
  let inQuote = false;
  let wasQuote = false;
  for (let pos = start; pos < content.length; pos++) {
    const c = content[pos]!;
    if (isBlank(c) && !inQuote) return false;
    if (c === '#' && !inQuote) return false;
    const length = utf8Length(content.charCodeAt(pos));
    if (bytes + length - 1 >= MAX_TOKEN - 1) return true;
    if (c === ',' && !inQuote) return false;
    if (c !== '"' || wasQuote) bytes += length;
    wasQuote = inQuote && c === '"' ? !wasQuote : false;
    if (c === '"') inQuote = !inQuote;
  }
  return false;
}

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
  if (!continuation) return lines.flatMap(splitLongLine);
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

/** A logical line's content, where it sits in the text, and its tokens (or the server's error for it). */
export function lexLogicalLine(line: LogicalLine, options: LexOptions = {}): { content: string; map: ContentMap; lexed: LexedLine } {
  const { content, map } = logicalContent(line, options);
  const lexed: LexedLine = line.isTooLong === true ? { fields: [], content, commentStart: -1, error: LINE_TOO_LONG } : lexContent(content, options);
  return { content, map, lexed };
}

/** Tokenizes one logical line's content into fields, exactly as next_field_expand does. */
export function lexContent(content: string, options: LexOptions = {}): LexedLine {
  const hasTokenLimit = (options.major ?? LATEST_MAJOR) < 16;
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
      // Three bytes a character at most: only a token that long can reach the limit.
      if (hasTokenLimit && (pos - start + 1) * 3 >= MAX_TOKEN - 1 && isTokenTooLong(content, start)) {
        return { fields: [], content, commentStart: -1, error: TOKEN_TOO_LONG };
      }
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
