// Suite-wide guard (vitest globalSetup): the suite fails if a PostgreSQL server started by one
// of its tests is still running when it ends. Each run gets an id in the environment; forks
// inherit it and so does every server they spawn, so the teardown recognises this run's servers
// by /proc/<pid>/environ (not a system cluster, not another run's server), stops them, and throws.
// A server's children overwrite their environment with their process title, so an orphaned child
// (its postmaster gone, its parent now PID 1) is recognised instead by its working directory (a
// data directory under /tmp/pgct-*) and by having started after this run began.
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export const RUN_ID_VARIABLE = 'PG_CLUSTER_TEST_RUN';
const RUN_START_VARIABLE = 'PG_CLUSTER_TEST_RUN_SINCE';
// vitest runs this setup once for the root config and once per project (each project extends
// the root), and tears those down in an order of its own: the root's first, before the `fixture`
// project's cluster (test/fixture/global-setup.ts) is disposed. So each setup counts itself in,
// and only the last teardown, when every other global setup has finished, looks for leftovers.
const ACTIVE_GUARDS_VARIABLE = 'PG_CLUSTER_TEST_GUARDS';
const TEST_TMP_PREFIX = '/tmp/pgct-';

interface Leftover {
  pid: number;
  name: string;
  cmdline: string;
}

function read(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** Start time of a process, in clock ticks since boot (field 22 of /proc/<pid>/stat). */
function startTicks(stat: string): number {
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
}

function readLink(path: string): string | null {
  try {
    return readlinkSync(path);
  } catch {
    return null;
  }
}

/** Live (not zombie) postgres processes of this run: see the comment at the top. */
export function serversOfRun(runId: string, since = Number(process.env[RUN_START_VARIABLE] ?? Number.POSITIVE_INFINITY)): Leftover[] {
  const found: Leftover[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return found; // no /proc (macOS): the CI's ps check is the guard there
  }
  const marker = `${RUN_ID_VARIABLE}=${runId}`;
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    const name = read(`/proc/${pid}/comm`)?.trim() ?? '';
    if (name !== 'postgres' && name !== 'postmaster') continue;
    const stat = read(`/proc/${pid}/stat`);
    if (stat === null || stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
    const environ = read(`/proc/${pid}/environ`);
    const variables = environ?.split('\0') ?? [];
    const isMarked = variables.includes(marker);
    // A postmaster keeps its environment: one marked by another run (a detached server another
    // run's test started, whose parent is PID 1 once that test's Node process is gone) is theirs.
    const isOtherRun = !isMarked && variables.some((variable) => variable.startsWith(`${RUN_ID_VARIABLE}=`));
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const isOrphanOfRun = !isOtherRun && fields[1] === '1' && startTicks(stat) >= since && (readLink(`/proc/${pid}/cwd`) ?? '').startsWith(TEST_TMP_PREFIX);
    if (!isMarked && !isOrphanOfRun) continue;
    found.push({ pid, name, cmdline: (read(`/proc/${pid}/cmdline`) ?? '').split('\0').join(' ').trim() });
  }
  return found;
}

export default function setup(): () => Promise<void> {
  const runId = process.env[RUN_ID_VARIABLE] ?? randomBytes(8).toString('hex');
  process.env[RUN_ID_VARIABLE] = runId;
  process.env[RUN_START_VARIABLE] ??= String(startTicks(readFileSync('/proc/self/stat', 'utf8')));
  process.env[ACTIVE_GUARDS_VARIABLE] = String(Number(process.env[ACTIVE_GUARDS_VARIABLE] ?? 0) + 1);
  return async function teardown() {
    const active = Number(process.env[ACTIVE_GUARDS_VARIABLE]) - 1;
    process.env[ACTIVE_GUARDS_VARIABLE] = String(active);
    if (active > 0) return;
    // Let servers that are stopping right now finish.
    let left = serversOfRun(runId);
    for (let i = 0; i < 40 && left.length > 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      left = serversOfRun(runId);
    }
    if (left.length === 0) return;
    for (const { pid } of left) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
    // vitest reports an error thrown here but still exits 0: set the exit code ourselves.
    process.exitCode = 1;
    throw new Error(
      `PostgreSQL processes started by this test run were still running at the end (now killed):\n` +
        left.map((p) => `  ${p.pid} ${p.cmdline}`).join('\n'),
    );
  };
}
