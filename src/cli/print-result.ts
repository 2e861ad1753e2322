import type { CliIo } from './cli-io.js';

/** Prints a command's result: one line of JSON with `--json`, else the text. */
export function printResult(io: CliIo, json: boolean, value: unknown, text: string): void {
  io.stdout.write(json ? `${JSON.stringify(value)}\n` : text);
}

/** The `--json` option every command has. */
export const jsonOption = { name: 'json', type: 'boolean', description: 'Print the result as JSON' } as const;
