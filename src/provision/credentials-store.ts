/**
 * Where `provision` keeps the passwords it generates, keyed by `<system identifier>/<user>`:
 * any object with these two methods (sync or async). The default is a {@link FileCredentialsStore}.
 */
export interface CredentialsStore {
  get(key: string): string | undefined | Promise<string | undefined>;
  set(key: string, value: string): void | Promise<void>;
}

/** The store key of a user's password on the server with `systemIdentifier` (`pg_control_system()`). */
export function formatCredentialsKey(systemIdentifier: string, user: string): string {
  return `${systemIdentifier}/${user}`;
}
