import { execa } from 'execa';

/** A process that signals a server when the Node process that started it disappears. */
export interface Watchdog {
  readonly pid: number | undefined;
  /** Ends the watchdog (call it once the server has exited: its pid could be reused). */
  stop(): void;
}

/**
 * The portable stand-in for Linux's parent-death signal (macOS has no setpriv, and some images
 * lack util-linux): a tiny `sh` that blocks reading a pipe from this process. When this process
 * dies, even by SIGKILL, the kernel closes the pipe, `read` returns, and the shell sends
 * `signal` to `pid`. It runs in its own process group, so a Ctrl-C aimed at the terminal's
 * foreground group does not take it down first; it holds no reference on Node's event loop.
 */
export function startWatchdog(pid: number, signal: NodeJS.Signals = 'SIGQUIT'): Watchdog {
  if (!Number.isInteger(pid) || pid <= 0) throw new RangeError(`not a pid: ${pid}`);
  const name = signal.replace(/^SIG/, '');
  const child = execa('/bin/sh', ['-c', `read _ignored; kill -s ${name} ${pid} 2>/dev/null`], {
    stdin: 'pipe',
    stdout: 'ignore',
    stderr: 'ignore',
    detached: true,
    // No /bin/sh: the result says so and nobody asks; nothing more we can do, the exit cleanup remains.
    reject: false,
    buffer: false,
    // Our exit is when it must act (the pipe closes), not be killed first; and execa's exit hook
    // would hand SIGINT/SIGTERM/SIGHUP away from the exit cleanup registry (see ServerProcess).
    cleanup: false,
    forceKillAfterDelay: false,
  });
  child.stdin?.on('error', () => undefined);
  child.unref();
  (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  return {
    pid: child.pid,
    stop() {
      try {
        child.kill('SIGKILL');
      } catch {
        // already gone
      }
    },
  };
}
