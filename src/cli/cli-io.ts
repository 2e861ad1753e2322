/** Where a command reads its environment and writes its output: the process's, or a test's. */
export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  env: Readonly<Record<string, string | undefined>>;
}

/** Exit statuses: 0 done, 1 the action failed, 2 the command line was wrong. */
export const exitCodes = { ok: 0, failure: 1, usage: 2 } as const;
