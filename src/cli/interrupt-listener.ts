import { constants } from 'node:os';

/** The signals that end `pg-cluster tmp`: Ctrl-C, a polite kill, a closed terminal. */
export const interruptSignals: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Owns SIGINT, SIGTERM and SIGHUP for a command, from before it starts anything until it has
 * cleaned up: the first signal is recorded and aborts {@link abortSignal} (which cancels what is
 * still starting), later ones are recorded too and change nothing (cleanup is under way). While
 * it is listening, the exit cleanup registry and execa's exit hook leave these signals to it, so
 * none is lost between phases and none ends the process halfway through a cleanup.
 */
export class InterruptListener {
  /** Aborted by the first signal. */
  readonly abortSignal: AbortSignal;
  readonly #controller = new AbortController();
  readonly #listener = (signal: NodeJS.Signals): void => this.#receive(signal);
  readonly #waiters = new Set<(signal: NodeJS.Signals) => void>();
  #received: NodeJS.Signals | null = null;
  #listening = true;

  constructor() {
    this.abortSignal = this.#controller.signal;
    for (const signal of interruptSignals) process.on(signal, this.#listener);
  }

  /** The first signal received, or `null`. */
  get received(): NodeJS.Signals | null {
    return this.#received;
  }

  /** Resolves with the first signal (at once when one came already). */
  wait(): Promise<NodeJS.Signals> {
    if (this.#received !== null) return Promise.resolve(this.#received);
    // A pending timer keeps Node running while we wait (a server child does not).
    const timer = setInterval(() => undefined, 1 << 30);
    return new Promise<NodeJS.Signals>((resolve) => this.#waiters.add(resolve)).finally(() => clearInterval(timer));
  }

  /** Stops listening: the signals get their default effect (or other listeners') again. Idempotent. */
  [Symbol.dispose](): void {
    if (!this.#listening) return;
    this.#listening = false;
    for (const signal of interruptSignals) process.removeListener(signal, this.#listener);
  }

  #receive(signal: NodeJS.Signals): void {
    if (this.#received !== null) return;
    this.#received = signal;
    this.#controller.abort(new Error(`Interrupted by ${signal}`));
    for (const resolve of this.#waiters) resolve(signal);
    this.#waiters.clear();
  }
}

/** What a shell reports for a process ended by `signal`: 128 + its number (130 for SIGINT). */
export function statusForSignal(signal: NodeJS.Signals): number {
  return 128 + (constants.signals[signal] ?? 0);
}
