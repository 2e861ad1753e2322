import type { ProgressListener } from '../index.js';
import type { CliIo } from './cli-io.js';

/**
 * A listener that prints each step of a slow operation on stderr (`pg-cluster: building the
 * template …`), when stderr is a terminal or `verbose` asks for it; undefined otherwise.
 */
export function progressPrinter(io: CliIo, verbose: boolean): ProgressListener | undefined {
  if (!verbose && io.stderr.isTTY !== true) return undefined;
  return (event) => {
    io.stderr.write(`pg-cluster: ${event.message}\n`);
  };
}
