import { readFileNoFollow } from '../fs/regular-file.js';

/** The fields of one `.pgpass` line (`host:port:database:user:password`, `\:` and `\\` escaped). */
function splitPassfileLine(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '\\' && i + 1 < line.length) field += line[++i];
    else if (c === ':') (fields.push(field), (field = ''));
    else field += c;
  }
  fields.push(field);
  return fields;
}

/** The password `passfile` (read without following a link) holds for `user` on any host, or null. */
export async function readPassfilePassword(passfile: string, user: string): Promise<string | null> {
  const text = await readFileNoFollow(passfile).then((bytes) => bytes.toString('utf8'), () => null);
  if (text === null) return null;
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const fields = splitPassfileLine(line);
    if (fields.length === 5 && (fields[3] === user || fields[3] === '*')) return fields[4]!;
  }
  return null;
}
