/** What the replication calls tell their `log` callback; the library prints nothing. */
export type ReplicationEvent =
  | { type: 'primary-restart'; message: string; dataDirectory: string; settings: Record<string, string> }
  | { type: 'primary-reload'; message: string; dataDirectory: string; settings: Record<string, string> }
  | { type: 'base-backup'; message: string; dataDirectory: string; method: 'pg_basebackup' | 'copy'; durationMs: number }
  | { type: 'streaming'; message: string; dataDirectory: string; name: string; durationMs: number };

export type ReplicationLog = (event: ReplicationEvent) => void;
