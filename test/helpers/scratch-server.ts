// A bare PostgreSQL server for tests of the pure layers (config, hba), which must not depend on
// the SDK's own Cluster: initdb + postgres started directly, as the `postgres` OS user when the
// tests run as root, with a private socket directory and no TCP. Test code only.
import { execFileSync } from 'node:child_process';
import { chownSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import pg from 'pg';

export const TEST_TMP_PREFIX = '/tmp/pgct-';

export interface ScratchServer {
  dataDir: string;
  socketDir: string;
  bindir: string;
  major: number;
  /** Runs one statement on a fresh connection to `postgres` (or `database`). */
  query<T extends Record<string, unknown> = Record<string, unknown>>(
    sql: string,
    params?: unknown[],
    database?: string,
  ): Promise<T[]>;
  /** Sends SIGHUP to the postmaster. */
  reload(): void;
  stop(): Promise<void>;
}

const isRoot = process.getuid?.() === 0;

function runAsPrefix(): string[] {
  // --pdeathsig: the server dies with the test process even when that one is SIGKILLed.
  return isRoot
    ? ['setpriv', '--reuid=postgres', '--regid=postgres', '--init-groups', '--pdeathsig=SIGKILL', '--']
    : ['setpriv', '--pdeathsig=SIGKILL', '--'];
}

/** The system PostgreSQL's bin directory (pg_config on PATH). */
export function systemBindir(): string {
  return execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
}

/** A bin directory of the npm-installed server binaries, e.g. `npmBindir(18)`. */
export function npmBindir(major: 13 | 14 | 16 | 17 | 18): string {
  return join(process.cwd(), 'node_modules', `pg-bin-${major}`, 'native', 'bin');
}

/** A temporary directory under /tmp/pgct-*, owned by the server's OS user when running as root. */
export function makeTempDir(): string {
  const dir = mkdtempSync(TEST_TMP_PREFIX);
  if (isRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  return dir;
}

export async function startScratchServer(
  options: { bindir?: string; initdbArgs?: string[]; settings?: Record<string, string> } = {},
): Promise<ScratchServer> {
  const bindir = options.bindir ?? systemBindir();
  const root = makeTempDir();
  const dataDir = join(root, 'data');
  const socketDir = root;
  const prefix = runAsPrefix();
  await execa(prefix[0]!, [
    ...prefix.slice(1),
    join(bindir, 'initdb'),
    '-D',
    dataDir,
    '-U',
    'postgres',
    '-A',
    'trust',
    '--no-sync',
    '-E',
    'UTF8',
    '--locale=C',
    ...(options.initdbArgs ?? []),
  ]);
  const major = Number(readFileSync(join(dataDir, 'PG_VERSION'), 'utf8').trim());
  const settings: Record<string, string> = {
    listen_addresses: '',
    unix_socket_directories: socketDir,
    fsync: 'off',
    lc_messages: 'C',
    ...options.settings,
  };
  const args = Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`]);
  const child: ResultPromise = execa(prefix[0]!, [...prefix.slice(1), join(bindir, 'postgres'), '-D', dataDir, ...args], {
    stdin: 'ignore',
    stdout: 'ignore',
    stderr: 'ignore',
    reject: false,
    env: { LC_MESSAGES: 'C' },
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`scratch server exited with ${child.exitCode}`);
    try {
      const lines = readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n');
      if (lines[7]?.trim() === 'ready') break;
    } catch {
      // not there yet
    }
    if (Date.now() > deadline) throw new Error('scratch server did not become ready');
    await new Promise((r) => setTimeout(r, 10));
  }
  const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  return {
    dataDir,
    socketDir,
    bindir,
    major,
    async query(sql, params, database = 'postgres') {
      const client = new pg.Client({ host: socketDir, port: Number(settings.port ?? 5432), user: 'postgres', database });
      await client.connect();
      try {
        return (await client.query(sql, params)).rows;
      } finally {
        await client.end();
      }
    },
    reload() {
      process.kill(pid, 'SIGHUP');
    },
    async stop() {
      try {
        process.kill(pid, 'SIGQUIT');
      } catch {
        // already gone
      }
      await child;
      rmSync(root, { recursive: true, force: true });
    },
  };
}
