/** pg_ctl's shutdown modes, plus `kill` (SIGKILL: no shutdown at all, crash recovery on next start). */
export type StopMode = 'smart' | 'fast' | 'immediate' | 'kill';

/** The signal the postmaster understands for each mode. */
export const stopSignals: Readonly<Record<StopMode, NodeJS.Signals>> = {
  smart: 'SIGTERM',
  fast: 'SIGINT',
  immediate: 'SIGQUIT',
  kill: 'SIGKILL',
};

/** The next, more forceful mode, or null after `kill`. */
export function nextStopMode(mode: StopMode): StopMode | null {
  if (mode === 'smart') return 'fast';
  if (mode === 'fast') return 'immediate';
  if (mode === 'immediate') return 'kill';
  return null;
}

export function isStopMode(value: unknown): value is StopMode {
  return value === 'smart' || value === 'fast' || value === 'immediate' || value === 'kill';
}
