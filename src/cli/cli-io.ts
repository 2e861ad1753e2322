/** Where a command reads its environment and writes its output: the process's, or a test's. */
export interface CliIo {
  stdout: { write(text: string): unknown };
  /** `isTTY`: whether it is a terminal (progress is shown there, or with `--verbose`). */
  stderr: { write(text: string): unknown; isTTY?: boolean };
  env: Readonly<Record<string, string | undefined>>;
}

/**
 * Exit statuses: 0 done, 1 the action failed, 2 the command line was wrong, 3 no such cluster
 * (`status`), 125 `tmp -- cmd` could not make the cluster (the command did not run; as
 * `env` and `docker run` use it).
 */
export const exitCodes = { ok: 0, failure: 1, usage: 2, noSuchCluster: 3, clusterNotMade: 125 } as const;
