// drop() as a normal user (no boundary to guard, yet no link is followed out of the data
// directory): a child Node process run as `pgcluster-ci` (the unprivileged CI user) drops a data
// directory whose pg_wal and pg_tblspc/<oid> point at a folder of that user's.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileSource } from '../control/compile-source.js';

const isRoot = process.getuid?.() === 0;
const hasUser = isRoot && execFileSync('sh', ['-c', 'id -u pgcluster-ci >/dev/null 2>&1 && echo yes || echo no'], { encoding: 'utf8' }).trim() === 'yes';

const script = (outDir: string) => `
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
const { Cluster, writeClusterMarker } = await import(${JSON.stringify(join(outDir, 'cluster', 'index.js'))});
const root = mkdtempSync('/tmp/pgct-normal-user-');
const victim = join(root, 'victim');
mkdirSync(victim);
writeFileSync(join(victim, 'precious.txt'), 'keep me');
const data = join(root, 'data');
mkdirSync(join(data, 'base'), { recursive: true });
mkdirSync(join(data, 'pg_tblspc'));
writeFileSync(join(data, 'PG_VERSION'), '15\\n');
writeFileSync(join(data, 'postgresql.conf'), '');
symlinkSync(victim, join(data, 'pg_wal'));
symlinkSync(victim, join(data, 'pg_tblspc', '16400'));
await writeClusterMarker(data);
const installation = { versionInfo: { major: 15 }, paths: {} };
const result = await new Cluster(installation, data).drop();
const file = join(root, 'file');
writeFileSync(file, 'not a directory');
const refused = await new Cluster(installation, file).drop().then(() => null, (error) => error.code);
const out = { uid: process.getuid(), result, victimKept: existsSync(join(victim, 'precious.txt')) && readFileSync(join(victim, 'precious.txt'), 'utf8'), dataGone: !existsSync(data), refused, fileKept: existsSync(file), root, victim, data };
rmSync(root, { recursive: true, force: true });
console.log(JSON.stringify(out));
`;

describe.skipIf(!hasUser)('drop() as a normal user (spawned as pgcluster-ci; needs root to switch to it)', () => {
  let compiled: ReturnType<typeof compileSource>;
  beforeAll(() => {
    compiled = compileSource();
  });
  afterAll(() => compiled?.remove());

  it('removes the data directory and the links, keeps the folder they point to, refuses a regular file', () => {
    const output = execFileSync('setpriv', ['--reuid=pgcluster-ci', '--regid=pgcluster-ci', '--init-groups', '--', process.execPath, '--input-type=module', '-e', script(compiled.outDir)], {
      encoding: 'utf8',
      cwd: '/tmp',
    });
    const out = JSON.parse(output.trim().split('\n').pop()!);
    expect(out.uid).not.toBe(0);
    expect(out.victimKept).toBe('keep me');
    expect(out.dataGone).toBe(true);
    expect(out.result).toEqual({
      removed: [out.data],
      kept: [
        { path: out.victim, link: join(out.data, 'pg_wal'), reason: 'wal-directory-not-ours' },
        { path: out.victim, link: join(out.data, 'pg_tblspc', '16400'), reason: 'tablespace' },
      ],
    });
    expect(out.refused).toBe('DROP_NOT_A_DIRECTORY');
    expect(out.fileKept).toBe(true);
  });
});
