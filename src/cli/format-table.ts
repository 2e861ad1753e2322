/** Lays rows out in columns padded to their widest cell, two spaces apart, trailing spaces trimmed. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [header, ...rows];
  const widths = header.map((_, column) => Math.max(...all.map((row) => (row[column] ?? '').length)));
  return all
    .map((row) => widths.map((width, column) => (row[column] ?? '').padEnd(width)).join('  ').trimEnd())
    .join('\n');
}
