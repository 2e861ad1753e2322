// Issue 10, items 2-4: as root, the server runs as `postgres`, who (like every SQL superuser,
// through COPY … TO PROGRAM) can change anything in the data directory, the log's folder and the
// socket folder. Each test plays that user (links made with `runuser -u postgres -- ln -s`) and
// checks that root acted on nothing it was pointed at.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Cluster, ClusterStartupError, RunAsError, SymlinkedFileError } from '../../../src/index.js';
import { TEST_TMP_PREFIX } from '../../helpers/scratch-server.js';
import { isRoot, quickInit, rejection, systemInstallation, useWorkspaces } from './fixtures.js';

const newWorkspace = useWorkspaces();
const rootFolders: string[] = [];
afterEach(() => {
  for (const folder of rootFolders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

const SECRET = "my.secret = 'hunter2-only-root-may-read-this'\n";

/** A folder only root can enter, holding a file only root can read (mode 0600). */
function rootSecret(): { folder: string; file: string } {
  const folder = mkdtempSync(`${TEST_TMP_PREFIX}root-only-`);
  rootFolders.push(folder);
  const file = join(folder, 'secret.conf');
  writeFileSync(file, SECRET, { mode: 0o600 });
  return { folder, file };
}

/** As the server's user: replace `path` by a symbolic link to `target`. */
function linkAsPostgres(target: string, path: string): void {
  execFileSync('runuser', ['-u', 'postgres', '--', 'ln', '-sfn', target, path]);
}

function asPostgres(...command: string[]): void {
  execFileSync('runuser', ['-u', 'postgres', '--', ...command]);
}

const postgresUid = isRoot ? Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })) : -1;

describe.runIf(isRoot)('as root, with the server as `postgres` (root only: the attacks cross that boundary)', () => {
  describe('the server log', () => {
    it('swapped for a link to an existing root-owned file: restart() refuses (UNSAFE_LOG_FILE) and the file is unchanged', async () => {
      const w = newWorkspace();
      await w.cluster.init(quickInit);
      await w.cluster.start({ settings: w.settings });
      const { file } = rootSecret();
      const before = readFileSync(file, 'utf8');
      linkAsPostgres(file, w.cluster.logPath);
      const error = await rejection(w.cluster.restart({ mode: 'fast' }));
      expect(error).toBeInstanceOf(ClusterStartupError);
      expect(error).toMatchObject({ code: 'UNSAFE_LOG_FILE', logfile: w.cluster.logPath });
      expect(error.message).toContain('symbolic link');
      expect(readFileSync(file, 'utf8')).toBe(before);
      expect(statSync(file)).toMatchObject({ uid: 0, mode: 0o100600 });
      expect(await w.cluster.running()).toBe(false);
    });

    it('a link to a path that does not exist: nothing is created there', async () => {
      const w = newWorkspace();
      await w.cluster.init(quickInit);
      const { folder } = rootSecret();
      const chosen = join(folder, 'planted.log');
      linkAsPostgres(chosen, w.cluster.logPath);
      const error = await rejection(w.cluster.start({ settings: w.settings }));
      expect(error).toMatchObject({ name: 'ClusterStartupError', code: 'UNSAFE_LOG_FILE' });
      expect(existsSync(chosen)).toBe(false);
      expect(w.cluster.daemonProcess).toBeNull();
    });

    it('a hard link to a root-owned file, or a FIFO, in its place: refused', async () => {
      const w = newWorkspace();
      await w.cluster.init(quickInit);
      // protected_hardlinks keeps `postgres` from linking root's files; the user's own second name is refused too.
      const own = join(w.root, 'own.log');
      asPostgres('touch', own);
      asPostgres('ln', own, w.cluster.logPath);
      expect(await rejection(w.cluster.start({ settings: w.settings }))).toMatchObject({ code: 'UNSAFE_LOG_FILE', message: expect.stringContaining('hard link') });
      rmSync(w.cluster.logPath);
      asPostgres('mkfifo', w.cluster.logPath);
      expect(await rejection(w.cluster.start({ settings: w.settings }))).toMatchObject({ code: 'UNSAFE_LOG_FILE', message: expect.stringContaining('not a regular file') });
    });

    it('the log tail in a startup error is not read through a link swapped in after the start', async () => {
      const w = newWorkspace();
      await w.cluster.init(quickInit);
      const { file } = rootSecret();
      // The server exits at once (invalid value); then its user swaps the log for a link.
      const error = await rejection(w.cluster.start({ settings: { ...w.settings, shared_buffers: 'plenty' } }));
      linkAsPostgres(file, w.cluster.logPath);
      const tail = await w.cluster.daemonProcess!.outputTail();
      expect(error).toMatchObject({ code: 'INVALID_SETTING' });
      expect(tail).not.toContain('hunter2');
      expect(tail).toBe('');
    });
  });

  describe('socket folders', () => {
    it('an existing root-owned folder: RunAsError PATH_NOT_OWNED, its owner unchanged, nothing started', async () => {
      const w = newWorkspace();
      await w.cluster.init(quickInit);
      const folder = mkdtempSync(`${TEST_TMP_PREFIX}root-sock-`);
      rootFolders.push(folder);
      chmodSync(folder, 0o755);
      const error = await rejection(w.cluster.start({ settings: { ...w.settings, unix_socket_directories: folder } }));
      expect(error).toBeInstanceOf(RunAsError);
      expect(error).toMatchObject({ code: 'PATH_NOT_OWNED', path: folder, user: 'postgres' });
      expect(error.message).toContain('does not exist yet');
      expect(statSync(folder)).toMatchObject({ uid: 0, mode: 0o40755 });
      expect(w.cluster.daemonProcess).toBeNull();
    });

    it('a link (made by `postgres`) to a root-owned folder: RunAsError PATH_IS_SYMLINK, the target unchanged', async () => {
      const w = newWorkspace();
      await w.cluster.init(quickInit);
      const target = mkdtempSync(`${TEST_TMP_PREFIX}root-sock-`);
      rootFolders.push(target);
      chmodSync(target, 0o755);
      const link = join(w.root, 'sock-link');
      linkAsPostgres(target, link);
      const error = await rejection(w.cluster.start({ settings: { ...w.settings, unix_socket_directories: link } }));
      expect(error).toMatchObject({ name: 'RunAsError', code: 'PATH_IS_SYMLINK', path: link });
      expect(statSync(target).uid).toBe(0);
      expect(lstatSync(link).isSymbolicLink()).toBe(true);
    });

    it('a missing folder is created, owned by `postgres`, and the server listens there', async () => {
      const w = newWorkspace();
      await w.cluster.init(quickInit);
      expect(existsSync(w.socketDir)).toBe(false);
      await w.cluster.start({ settings: w.settings });
      expect(lstatSync(w.socketDir)).toMatchObject({ uid: postgresUid });
      expect(lstatSync(w.socketDir).isDirectory()).toBe(true);
      expect(existsSync(join(w.socketDir, '.s.PGSQL.5432'))).toBe(true);
    });

    it('an existing folder `postgres` owns, or can write (/tmp), is used as it is', async () => {
      const w = newWorkspace();
      await w.cluster.init(quickInit);
      await w.cluster.start({ settings: { ...w.settings, unix_socket_directories: w.root, port: 5433 } });
      expect(existsSync(join(w.root, '.s.PGSQL.5433'))).toBe(true);
      await w.cluster.stop({ mode: 'fast' });
      const tmp = statSync('/tmp');
      const port = 20_000 + (process.pid % 20_000);
      await w.cluster.start({ settings: { ...w.settings, unix_socket_directories: '/tmp', port } });
      expect(statSync('/tmp')).toMatchObject({ uid: tmp.uid, mode: tmp.mode });
    });
  });

  describe('init', () => {
    it('an existing empty data directory root owns: PATH_NOT_OWNED, not chowned', async () => {
      const folder = mkdtempSync(`${TEST_TMP_PREFIX}root-data-`);
      rootFolders.push(folder);
      chmodSync(folder, 0o755);
      const cluster = new Cluster(systemInstallation(), folder);
      expect(await rejection(cluster.init(quickInit))).toMatchObject({ name: 'RunAsError', code: 'PATH_NOT_OWNED', path: folder });
      expect(statSync(folder).uid).toBe(0);
    });
  });

  describe('configuration files replaced by a link to a root-only secret', () => {
    it('postgresql.conf: settings.get and effective() refuse (FILE_IS_SYMLINK), the secret stays unread, a failed set leaves link and target alone', async () => {
      const w = newWorkspace();
      await w.cluster.init(quickInit);
      const { file } = rootSecret();
      const conf = join(w.dataDirectory, 'postgresql.conf');
      linkAsPostgres(file, conf);
      const get = await rejection(w.cluster.settings.get('my.secret'));
      expect(get).toBeInstanceOf(SymlinkedFileError);
      expect(get).toMatchObject({ code: 'FILE_IS_SYMLINK', path: conf });
      expect(JSON.stringify(get) + get.message).not.toContain('hunter2');
      expect(await rejection(w.cluster.settings.effective())).toMatchObject({ code: 'FILE_IS_SYMLINK' });
      expect(await rejection(w.cluster.settings.set('work_mem', '8MB'))).toMatchObject({ code: 'FILE_IS_SYMLINK' });
      expect(lstatSync(conf).isSymbolicLink()).toBe(true);
      expect(readFileSync(file, 'utf8')).toBe(SECRET);
      expect(statSync(file)).toMatchObject({ uid: 0, mode: 0o100600 });
    });

    it('pg_hba.conf: hba() refuses, the secret stays unread, the link and target stay', async () => {
      const w = newWorkspace();
      await w.cluster.init(quickInit);
      const { file } = rootSecret();
      const hba = join(w.dataDirectory, 'pg_hba.conf');
      linkAsPostgres(file, hba);
      const error = await rejection(w.cluster.hba());
      expect(error).toMatchObject({ name: 'SymlinkedFileError', code: 'FILE_IS_SYMLINK', path: hba });
      expect(error.message).not.toContain('hunter2');
      expect(lstatSync(hba).isSymbolicLink()).toBe(true);
      expect(readFileSync(file, 'utf8')).toBe(SECRET);
    });

    it('an included file that is such a link: reported (CONFIG_INCLUDE_IS_SYMLINK), not read', async () => {
      const w = newWorkspace();
      await w.cluster.init(quickInit);
      const { file } = rootSecret();
      const conf = join(w.dataDirectory, 'postgresql.conf');
      asPostgres('sh', '-c', `echo "include_if_exists = 'extra.conf'" >> ${conf}`);
      linkAsPostgres(file, join(w.dataDirectory, 'extra.conf'));
      expect(await w.cluster.settings.get('my.secret')).toBeUndefined();
      const set = await w.cluster.settings.effective();
      expect(set.settings.has('my.secret')).toBe(false);
      expect(set.errors).toEqual([expect.objectContaining({ code: 'CONFIG_INCLUDE_IS_SYMLINK', file: conf })]);
    });

    it('with followSymlinks: the target is read as `postgres`, so a root-only one is refused (PATH_NOT_ACCESSIBLE)', async () => {
      const w = newWorkspace();
      await w.cluster.init(quickInit);
      const { file } = rootSecret();
      const conf = join(w.dataDirectory, 'postgresql.conf');
      linkAsPostgres(file, conf);
      const following = new Cluster(systemInstallation(), w.dataDirectory, { followSymlinks: true });
      const error = await rejection(following.settings.get('my.secret'));
      expect(error).toMatchObject({ name: 'RunAsError', code: 'PATH_NOT_ACCESSIBLE', user: 'postgres' });
      expect(error.message).not.toContain('hunter2');
      expect(await rejection(following.settings.set('work_mem', '8MB'))).toMatchObject({ code: 'PATH_NOT_ACCESSIBLE' });
      expect(readFileSync(file, 'utf8')).toBe(SECRET);
      expect(lstatSync(conf).isSymbolicLink()).toBe(true);
    });

    it('with followSymlinks: an edit of a file `postgres` owns goes through as `postgres`; the link stays and the server reads it', async () => {
      const w = newWorkspace();
      await w.cluster.init(quickInit);
      const conf = join(w.dataDirectory, 'postgresql.conf');
      const real = join(w.root, 'etc', 'postgresql.conf');
      asPostgres('mkdir', join(w.root, 'etc'));
      asPostgres('cp', '-p', conf, real);
      linkAsPostgres(real, conf);
      const mode = statSync(real).mode;
      const following = new Cluster(systemInstallation(), w.dataDirectory, { followSymlinks: true });
      await following.settings.set('work_mem', '9MB');
      expect(await following.settings.get('work_mem')).toBe('9MB');
      expect(lstatSync(conf).isSymbolicLink()).toBe(true);
      expect(statSync(real)).toMatchObject({ uid: postgresUid, mode });
      const hba = await following.hba();
      expect(hba.length).toBeGreaterThan(0);
      await following.start({ settings: w.settings });
      try {
        expect(await following.readyForConnections()).toBe(true);
      } finally {
        await following.stop({ mode: 'fast' });
      }
    });

    it('with followSymlinks: a target `postgres` may read but not own is not written', async () => {
      const w = newWorkspace();
      await w.cluster.init(quickInit);
      const hba = join(w.dataDirectory, 'pg_hba.conf');
      const folder = mkdtempSync(`${TEST_TMP_PREFIX}root-etc-`);
      rootFolders.push(folder);
      chmodSync(folder, 0o755);
      const real = join(folder, 'pg_hba.conf');
      writeFileSync(real, readFileSync(hba), { mode: 0o644 });
      const before = readFileSync(real, 'utf8');
      linkAsPostgres(real, hba);
      const following = new Cluster(systemInstallation(), w.dataDirectory, { followSymlinks: true });
      const file = await following.hba();
      file.append({ type: 'local', database: 'all', user: 'intruder', method: 'reject' });
      expect(await rejection(file.save())).toMatchObject({ name: 'RunAsError', code: 'PATH_NOT_ACCESSIBLE' });
      expect(readFileSync(real, 'utf8')).toBe(before);
      expect(lstatSync(hba).isSymbolicLink()).toBe(true);
    });
  });
});

describe.runIf(!isRoot)('as a normal user (no other user involved)', () => {
  it('a symlinked postgresql.conf is refused by default and followed with followSymlinks, the link kept', async () => {
    const w = newWorkspace();
    await w.cluster.init(quickInit);
    const conf = join(w.dataDirectory, 'postgresql.conf');
    mkdirSync(join(w.root, 'etc'));
    const real = join(w.root, 'etc', 'postgresql.conf');
    renameSync(conf, real);
    execFileSync('ln', ['-s', real, conf]);
    expect(await rejection(w.cluster.settings.get('work_mem'))).toMatchObject({ code: 'FILE_IS_SYMLINK' });
    const following = new Cluster(systemInstallation(), w.dataDirectory, { followSymlinks: true });
    await following.settings.set('work_mem', '9MB');
    expect(await following.settings.get('work_mem')).toBe('9MB');
    expect(lstatSync(conf).isSymbolicLink()).toBe(true);
    expect(readFileSync(real, 'utf8')).toContain('9MB');
  });
});
