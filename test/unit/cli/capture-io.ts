import type { CliIo } from '../../../src/cli/cli-io.js';

/** A CliIo whose output is collected in strings. */
export function captureIo(env: Record<string, string | undefined> = process.env): CliIo & { out: () => string; err: () => string } {
  let stdout = '';
  let stderr = '';
  return {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env,
    out: () => stdout,
    err: () => stderr,
  };
}
