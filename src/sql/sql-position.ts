// From the server's error position (a 1-based count of characters into the statement it was
// sent) to a line and column of the file, and the COPY data line the server names.

import type { SqlSegment } from './sql-lexer.js';

/** The offset in `text` (UTF-16 code units) of the character the server counts as `position` (1-based code points). */
export function offsetOfPosition(text: string, position: number): number {
  let offset = 0;
  for (let count = 1; count < position && offset < text.length; count++) {
    const code = text.charCodeAt(offset);
    offset += code >= 0xd800 && code <= 0xdbff && offset + 1 < text.length ? 2 : 1;
  }
  return offset;
}

/** Line and column (1-based; the column in code points) in the file of `offset` within a statement segment. */
export function locateInSegment(segment: SqlSegment, offset: number): { line: number; column: number } {
  const before = segment.text.slice(0, offset);
  const lastNewline = before.lastIndexOf('\n');
  let newlines = 0;
  for (let i = before.indexOf('\n'); i !== -1; i = before.indexOf('\n', i + 1)) newlines++;
  if (lastNewline === -1) return { line: segment.line, column: segment.column + countCodePoints(before) };
  return { line: segment.line + newlines, column: 1 + countCodePoints(before.slice(lastNewline + 1)) };
}

function countCodePoints(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (!(code >= 0xdc00 && code <= 0xdfff && i > 0)) count++;
  }
  return count;
}

/** The line of the COPY data the server's CONTEXT names (`COPY t, line 3, column b: "x"`), or null. */
export function copyDataLine(where: string | undefined): number | null {
  if (where === undefined) return null;
  const match = /^COPY .*?, line (\d+)\b/m.exec(where);
  return match ? Number(match[1]) : null;
}
