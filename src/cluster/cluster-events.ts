/** What a Cluster tells its `log` callback. The library itself prints nothing. */
export type ClusterEvent =
  | { type: 'init'; message: string; dataDirectory: string; command: string; args: readonly string[] }
  | { type: 'initialized'; message: string; dataDirectory: string; durationMs: number }
  | { type: 'spawn'; message: string; dataDirectory: string; pid: number; command: string; args: readonly string[]; logfile: string | null }
  | { type: 'ready'; message: string; dataDirectory: string; pid: number; durationMs: number }
  | { type: 'signal'; message: string; dataDirectory: string; pid: number; signal: NodeJS.Signals }
  | { type: 'escalate'; message: string; dataDirectory: string; pid: number; from: string; to: string }
  | { type: 'stop'; message: string; dataDirectory: string; pid: number; durationMs: number }
  | { type: 'exit'; message: string; dataDirectory: string; pid: number; exitCode: number | null; signal: string | null }
  | { type: 'reload'; message: string; dataDirectory: string; pid: number }
  | { type: 'drop'; message: string; dataDirectory: string }
  /** A line the server wrote, when the Cluster was made with `serverLog: true`. */
  | { type: 'server-log'; message: string; dataDirectory: string; line: string };

export type ClusterLog = (event: ClusterEvent) => void;
