// Safety (issue 11): no SQL in src/provision is built by interpolating input. Every `${…}` in a
// template literal that holds SQL is a call of the one quoting helper (q / quoteIdentifier /
// quoteLiteral), a variable that holds only such a call's result, or a fixed clause.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const folder = join(process.cwd(), 'src', 'provision');
const SQL = /^\s*(SELECT|CREATE|ALTER|GRANT|REVOKE|DROP|COMMENT|REASSIGN)\b/;
/** Interpolations that are not quoting calls, each checked by hand: what they hold. */
const reviewed = new Set([
  'user', // q(request.user) (grantPrivileges)
  'schema', // q(request.schemaUser)
  'byFile', // '' or ' AND file_name = $2'
  "want.superuser ? 'SUPERUSER' : 'NOSUPERUSER'",
  "force && facts!.major >= 13 ? ' WITH (FORCE)' : ''",
  "roles.map(q).join(', ')",
]);

function sqlTemplates(text: string): string[] {
  return [...text.matchAll(/`((?:[^`\\]|\\.)*)`/g)].map((match) => match[1]!).filter((body) => SQL.test(body));
}

function interpolations(body: string): string[] {
  const found: string[] = [];
  let at = body.indexOf('${');
  while (at !== -1) {
    let depth = 1;
    let end = at + 2;
    while (end < body.length && depth > 0) {
      if (body[end] === '{') depth++;
      else if (body[end] === '}') depth--;
      end++;
    }
    found.push(body.slice(at + 2, end - 1));
    at = body.indexOf('${', end);
  }
  return found;
}

describe('SQL in src/provision', () => {
  it('interpolates only quoted names and literals', () => {
    const files = readdirSync(folder).filter((name) => name.endsWith('.ts'));
    const templates = files.flatMap((name) => sqlTemplates(readFileSync(join(folder, name), 'utf8')).map((body) => ({ name, body })));
    expect(templates.length).toBeGreaterThan(20);
    const unquoted = templates.flatMap(({ name, body }) =>
      interpolations(body)
        .filter((expression) => !/^(q|quoteIdentifier|quoteLiteral)\(/.test(expression) && !reviewed.has(expression))
        .map((expression) => `${name}: \${${expression}} in ${body}`),
    );
    expect(unquoted).toEqual([]);
  });
});
