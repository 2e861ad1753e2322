// Acting as the server's OS user in tests: what a SQL superuser can do through COPY … TO PROGRAM.
// As root that is `postgres` (through setpriv); as a normal user it is that user itself.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { arch } from 'node:os';
import { join } from 'node:path';

export const isRoot = process.getuid?.() === 0;

function asServerUser(file: string, args: string[]): [string, string[]] {
  return isRoot ? ['setpriv', ['--reuid=postgres', '--regid=postgres', '--init-groups', '--', file, ...args]] : [file, args];
}

/** Runs a program as the server's OS user and returns its output. */
export function runAsServerUser(file: string, args: string[]): string {
  const [command, argv] = asServerUser(file, args);
  return execFileSync(command, argv, { encoding: 'utf8', cwd: '/' });
}

export interface Victim {
  /** A folder of this process's user (root-owned as root) the server's user cannot write. */
  path: string;
  /** A file in it that must survive. */
  file: string;
  cleanup(): void;
}

/** A folder that must not be touched, with a file in it. */
export function makeVictim(): Victim {
  const path = mkdtempSync('/tmp/pgct-victim-');
  chmodSync(path, 0o755);
  const file = join(path, 'precious.txt');
  writeFileSync(file, 'keep me\n', { mode: 0o644 });
  return { path, file, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/** Whether the link swapper can run here (renameat2 through perl's syscall, x86_64 numbering). */
export const canSwapLinks = arch() === 'x64';

/**
 * Fills `folder` (the server's user's) with `count` folders `d<i>` holding a file, and links
 * `l<i>` to `target`, then starts a process of the server's user that keeps exchanging each
 * `d<i>` with its `l<i>` (renameat2 RENAME_EXCHANGE) until stopped: a removal that walks by
 * path meets a link where it just saw a folder. `stop()` ends it (call it in `finally`).
 */
export function startLinkSwapper(folder: string, target: string, count = 100): { stop(): Promise<void> } {
  const script = 'my ($n) = @ARGV; while (1) { for my $i (0 .. $n - 1) { syscall(316, -100, "d$i", -100, "l$i", 2); } }';
  const setup = 'my ($dir, $n, $target) = @ARGV; chdir $dir or die; for my $i (0 .. $n - 1) { mkdir "d$i" or die; open(my $f, ">", "d$i/file") or die; close $f; symlink($target, "l$i") or die; }';
  runAsServerUser('perl', ['-e', setup, folder, String(count), target]);
  const [command, argv] = asServerUser('perl', ['-e', script, String(count)]);
  const child = spawn(command, argv, { cwd: folder, stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    async stop() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}
