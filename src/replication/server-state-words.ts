import type { ServerState } from '../provision/server-state.js';

/** The charm's state words and the aliases this SDK accepts for them: `primary` is `master`, `standby` is `hot standby`. */
export type ServerStateWord = ServerState | 'primary' | 'standby';

/** The charm's word for a state word or alias (`primary` → `master`, `standby` → `hot standby`); anything else is undefined. */
export function toServerState(word: string): ServerState | undefined {
  switch (word) {
    case 'standalone':
    case 'master':
    case 'hot standby':
      return word;
    case 'primary':
      return 'master';
    case 'standby':
      return 'hot standby';
    default:
      return undefined;
  }
}

/** Whether the server in `state` takes writes: `standalone` and `master` (a primary with or without standbys). */
export function isWritableState(state: ServerState): boolean {
  return state !== 'hot standby';
}
