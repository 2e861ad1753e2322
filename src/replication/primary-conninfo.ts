/**
 * Reads a libpq keyword/value connection string (`host=a port=5432 user='x y'`), as
 * `primary_conninfo` holds one: values bare or single-quoted, `\` escaping inside quotes.
 * A URI form (`postgresql://…`) is read with WHATWG URL. Unknown keywords are kept.
 */
export function parseConninfo(text: string): Record<string, string> {
  const trimmed = text.trim();
  if (/^postgres(ql)?:\/\//.test(trimmed)) return parseConninfoUri(trimmed);
  const values: Record<string, string> = {};
  let i = 0;
  const skipSpace = () => {
    while (i < trimmed.length && /\s/.test(trimmed[i]!)) i++;
  };
  while (true) {
    skipSpace();
    if (i >= trimmed.length) break;
    const keyStart = i;
    while (i < trimmed.length && trimmed[i] !== '=' && !/\s/.test(trimmed[i]!)) i++;
    const key = trimmed.slice(keyStart, i);
    skipSpace();
    if (trimmed[i] !== '=') break;
    i++;
    skipSpace();
    let value = '';
    if (trimmed[i] === "'") {
      i++;
      while (i < trimmed.length && trimmed[i] !== "'") {
        if (trimmed[i] === '\\' && i + 1 < trimmed.length) i++;
        value += trimmed[i];
        i++;
      }
      i++;
    } else {
      while (i < trimmed.length && !/\s/.test(trimmed[i]!)) {
        if (trimmed[i] === '\\' && i + 1 < trimmed.length) i++;
        value += trimmed[i];
        i++;
      }
    }
    values[key] = value;
  }
  return values;
}

function parseConninfoUri(text: string): Record<string, string> {
  const url = new URL(text.replace(/^postgres(ql)?:/, 'http:'));
  const values: Record<string, string> = {};
  if (url.hostname !== '') values['host'] = decodeURIComponent(url.hostname.replace(/^\[|\]$/g, ''));
  if (url.port !== '') values['port'] = url.port;
  if (url.username !== '') values['user'] = decodeURIComponent(url.username);
  if (url.password !== '') values['password'] = decodeURIComponent(url.password);
  if (url.pathname.length > 1) values['dbname'] = decodeURIComponent(url.pathname.slice(1));
  for (const [key, value] of url.searchParams) values[key] = value;
  return values;
}

/** The password a `.pgpass` file gives for host, port, database and user (`*` matches anything), or undefined. */
export function findPassfilePassword(text: string, wanted: { host: string; port: string; database: string; user: string }): string | undefined {
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const fields: string[] = [];
    let field = '';
    for (let i = 0; i < line.length; i++) {
      const c = line[i]!;
      if (c === '\\' && i + 1 < line.length) field += line[++i];
      else if (c === ':' && fields.length < 4) {
        fields.push(field);
        field = '';
      } else field += c;
    }
    fields.push(field.replace(/\r$/, ''));
    if (fields.length !== 5) continue;
    const [host, port, database, user, password] = fields as [string, string, string, string, string];
    const matches = (pattern: string, value: string) => pattern === '*' || pattern === value;
    if (matches(host, wanted.host) && matches(port, wanted.port) && matches(database, wanted.database) && matches(user, wanted.user)) return password;
  }
  return undefined;
}
