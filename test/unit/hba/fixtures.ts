// The fixture files of test/fixtures/hba, read once.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const fixturesRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../fixtures/hba');

export function fixtureFiles(folder: string): Array<{ name: string; path: string; text: string }> {
  const dir = join(fixturesRoot, folder);
  return readdirSync(dir)
    .sort()
    .map((name) => ({ name, path: join(dir, name), text: readFileSync(join(dir, name), 'latin1') }));
}
