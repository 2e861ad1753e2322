/**
 * The process-exit cleanup registry: what pg-cluster must undo if the Node process ends before
 * the caller does (servers we started, temporary folders). Runs on normal exit, on an uncaught
 * exception (Node still emits `exit`), and on SIGINT, SIGTERM and SIGHUP, after which the signal
 * is raised again so the process ends as it would have. When the application listens for that
 * signal itself (execa's own exit hook does not count), it is left to decide; the cleanups then
 * run when it exits. SIGKILL cannot be caught: servers are protected from it by a parent-death
 * signal (see userCommand). Actions must be synchronous: nothing asynchronous runs after `exit`.
 *
 * Listeners are installed on the first registration and removed when the registry empties, so
 * an idle library leaves the process untouched.
 */

/** `processes` run first (stop servers), then `files` (remove what they used). */
export type ExitCleanupPhase = 'processes' | 'files';

export interface ExitCleanupOptions {
  phase?: ExitCleanupPhase;
}

interface Entry {
  action: () => void;
  phase: ExitCleanupPhase;
}

const entries = new Set<Entry>();
const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
let installed = false;

/**
 * Registers a synchronous action to run if the process exits; returns the function that
 * unregisters it (call it once the action is no longer needed, e.g. the server was stopped).
 */
export function registerExitCleanup(action: () => void, options: ExitCleanupOptions = {}): () => void {
  const entry: Entry = { action, phase: options.phase ?? 'files' };
  entries.add(entry);
  install();
  return () => {
    entries.delete(entry);
    if (entries.size === 0) uninstall();
  };
}

/** How many cleanups are registered (for tests and diagnostics). */
export function pendingExitCleanups(): number {
  return entries.size;
}

/**
 * Runs every registered action once, `processes` first, and empties the registry. An action
 * that throws does not stop the others.
 */
export function runExitCleanups(): void {
  const ordered = [...entries].sort((a, b) => rank(a.phase) - rank(b.phase));
  entries.clear();
  uninstall();
  for (const entry of ordered) {
    try {
      entry.action();
    } catch {
      // Exit is too late to report anything; the remaining cleanups matter more.
    }
  }
}

function rank(phase: ExitCleanupPhase): number {
  return phase === 'processes' ? 0 : 1;
}

function onExit(): void {
  runExitCleanups();
}

function onSignal(signal: NodeJS.Signals): void {
  // If the application listens for this signal too, it decides what happens next (perhaps an
  // orderly `await cluster.stop()`); when it then exits, the `exit` hook still runs. Otherwise
  // clean up and end the process the way the signal would have without us.
  if (applicationListeners(signal) > 0) return;
  runExitCleanups();
  process.kill(process.pid, signal);
}

/**
 * The listeners for `signal` that are neither ours nor signal-exit's. execa loads signal-exit
 * (its exit hook, which kills a child with `cleanup` when Node exits) while such a child runs,
 * and signal-exit acts on a signal only when its own are the only listeners: counted as the
 * application's, it and we would each leave the signal to the other, and a Ctrl-C during the
 * copy of a template was lost. signal-exit keeps the number of its loaded instances (one
 * listener per signal each) in a global emitter; version 3 keeps it on `process`.
 */
function applicationListeners(signal: NodeJS.Signals): number {
  const others = process.listeners(signal).filter((listener) => listener !== onSignal).length;
  return others - signalExitListeners();
}

function signalExitListeners(): number {
  const emitter = (globalThis as Record<symbol, { count?: unknown } | undefined>)[Symbol.for('signal-exit emitter')];
  const legacy = (process as unknown as { __signal_exit_emitter__?: { count?: unknown } }).__signal_exit_emitter__;
  return [emitter?.count, legacy?.count].reduce<number>((sum, count) => sum + (typeof count === 'number' ? count : 0), 0);
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', onExit);
  for (const signal of signals) process.on(signal, onSignal);
}

function uninstall(): void {
  if (!installed) return;
  installed = false;
  process.removeListener('exit', onExit);
  for (const signal of signals) process.removeListener(signal, onSignal);
}

/** Sleeps synchronously (for exit handlers, where nothing asynchronous runs). */
export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
