// SplitGUCList (varlena.c): how the server splits a comma-separated option value such as
// radiusservers. Names may be double-quoted ("" inside is one quote); blanks around names are
// skipped; an empty unquoted name, or text after a name that is not a comma, is a syntax error.

const isSpace = (c: string | undefined): boolean => c !== undefined && ' \t\n\r\f\v'.includes(c);

/** The list's names, or undefined where the server reports a syntax error. An empty value is an empty list. */
export function splitGucList(value: string): string[] | undefined {
  const names: string[] = [];
  let i = 0;
  while (isSpace(value[i])) i++;
  if (i === value.length) return names;
  for (;;) {
    let name = '';
    if (value[i] === '"') {
      i++;
      for (;;) {
        const end = value.indexOf('"', i);
        if (end === -1) return undefined;
        name += value.slice(i, end);
        i = end + 1;
        if (value[i] !== '"') break;
        name += '"';
        i++;
      }
    } else {
      const start = i;
      while (i < value.length && value[i] !== ',' && !isSpace(value[i])) i++;
      if (i === start) return undefined;
      name = value.slice(start, i);
    }
    while (isSpace(value[i])) i++;
    names.push(name);
    if (value[i] === ',') {
      i++;
      while (isSpace(value[i])) i++;
    } else if (i === value.length) return names;
    else return undefined;
  }
}
