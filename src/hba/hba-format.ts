// Writing rules the way their neighbours are written: tokens quoted only when needed, fields
// placed in the columns of the surrounding rules (as PostgreSQL's sample file does), with tabs
// where the file uses tabs, single separators where the file is compact.
import { isBlank, type LexedLine } from './auth-lexer.js';
import { quoteToken, type TokenField } from './hba-rule.js';

/** Whether a model value must be quoted to be read back as the same value. */
export function needsQuoting(value: string): boolean {
  if (value === '') return true;
  for (const c of value) if (isBlank(c) || c === ',' || c === '#' || c === '"') return true;
  return value.endsWith('\\');
}

/** The text of one token for a model value (see HbaRule: values in quoted form are written as they are). */
export function formatToken(value: string, field: TokenField = 'plain'): string {
  if (value.startsWith('"')) return value;
  if (!needsQuoting(value)) return value;
  // `@file` and `+role` keep their meaning only when the quotes come after the prefix: @"my file".
  const prefixed = value.startsWith('@') || (value.startsWith('+') && field === 'user');
  return prefixed && value.length > 1 ? value[0] + quoteToken(value.slice(1)) : quoteToken(value);
}

/** An option token: `name=value`, the value quoted when it has to be. */
export function formatOption(name: string, value: string): string {
  return needsQuoting(value) ? `${name}=${quoteToken(value)}` : `${name}=${value}`;
}

/** Column starts (display columns, tabs to multiples of 8) of a line's fields, and its separator style. */
export interface Layout {
  /** Start column of each logical column; null where the field just follows the previous one; undefined where unknown. */
  columns: (number | null | undefined)[];
  useTabs: boolean;
  compact: boolean;
}

export function measureWidth(text: string, startColumn = 0): number {
  let col = startColumn;
  for (const c of text) col = c === '\t' ? (Math.floor(col / 8) + 1) * 8 : col + 1;
  return col;
}

/** Reads a line's layout: where each of its fields starts, mapped to logical columns by `columnOf`. */
export function readLayout(lexed: LexedLine, columnOf: (fieldIndex: number) => number | undefined): Layout | undefined {
  if (lexed.fields.length < 2) return undefined;
  const columns: (number | null | undefined)[] = [];
  let useTabs = false;
  let wide = 0;
  const singles: number[] = [];
  lexed.fields.forEach((field, i) => {
    const logical = columnOf(i);
    const start = measureWidth(lexed.content.slice(0, field.start));
    if (logical !== undefined && columns[logical] === undefined) columns[logical] = start;
    if (i > 0) {
      const gap = lexed.content.slice(lexed.fields[i - 1]!.end, field.start);
      if (gap.includes('\t')) useTabs = true;
      if (gap.length > 1) wide++;
      else if (logical !== undefined) singles.push(logical);
    }
  });
  // Mostly single separators: a compact line. Otherwise a field one space past a long neighbour
  // does not show where its column starts; other lines may.
  const compact = singles.length >= wide;
  if (!compact) for (const logical of singles) columns[logical] = undefined;
  return { columns, useTabs, compact };
}

/** Merges layouts, nearest first: each column comes from the nearest line that has it. */
export function mergeLayouts(layouts: Layout[], fallback: Layout): Layout {
  if (layouts.length === 0) return fallback;
  const first = layouts[0]!;
  const columns: (number | null | undefined)[] = [];
  const size = Math.max(...layouts.map((l) => l.columns.length));
  for (let i = 0; i < size; i++) columns.push(layouts.find((l) => l.columns[i] !== undefined)?.columns[i]);
  return { columns, useTabs: first.useTabs, compact: first.compact };
}

/** Lays out tokens: `cells[i]` goes to logical column `logical[i]`. */
export function layOut(cells: string[], logical: number[], layout: Layout): string {
  let out = '';
  let col = 0;
  cells.forEach((cell, i) => {
    if (i === 0) {
      const target = layout.compact ? 0 : (layout.columns[logical[0]!] ?? 0);
      out += layout.useTabs ? '\t'.repeat(Math.floor(target / 8)) + ' '.repeat(target % 8) : ' '.repeat(target);
      col = target;
    } else {
      const wanted = layout.compact ? undefined : (layout.columns[logical[i]!] ?? undefined);
      const target = Math.max(wanted ?? 0, col + 1);
      if (layout.useTabs) {
        if (layout.compact || wanted === undefined) {
          out += '\t';
          col = measureWidth('\t', col);
        } else {
          let sep = '';
          while (measureWidth(sep + '\t', col) <= target) sep += '\t';
          if (sep === '') sep = '\t';
          out += sep;
          col = measureWidth(sep, col);
        }
      } else {
        out += ' '.repeat(layout.compact || wanted === undefined ? 1 : target - col);
        col = layout.compact || wanted === undefined ? col + 1 : target;
      }
    }
    out += cell;
    col = measureWidth(cell, col);
  });
  return out;
}
