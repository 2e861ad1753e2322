import { PgClusterError } from '../errors.js';

/** A wait ran out of time: the server did not become ready (`start`) or did not exit (`stop`). */
export class ClusterTimeoutError extends PgClusterError {
  declare readonly code: 'CLUSTER_TIMEOUT';
  readonly dataDirectory: string;
  readonly operation: 'start' | 'stop';
  readonly timeout: number;
  readonly pid: number | null;
  /** The last status read from postmaster.pid, if any. */
  readonly status: string | null;
  /** The end of the server's output (start), when we hold it. */
  readonly logTail: string;

  constructor(fields: { dataDirectory: string; operation: 'start' | 'stop'; timeout: number; pid: number | null; status?: string | null; logTail?: string }) {
    const what = fields.operation === 'start' ? 'become ready for connections' : 'stop';
    const tail = fields.logTail?.trim() ?? '';
    super(
      'CLUSTER_TIMEOUT',
      `The server for ${fields.dataDirectory}${fields.pid === null ? '' : ` (pid ${fields.pid})`} did not ${what} within ${fields.timeout} ms` +
        `${fields.status ? ` (status: ${fields.status})` : ''}${tail === '' ? '' : `\n${tail}`}`,
    );
    this.dataDirectory = fields.dataDirectory;
    this.operation = fields.operation;
    this.timeout = fields.timeout;
    this.pid = fields.pid;
    this.status = fields.status ?? null;
    this.logTail = fields.logTail ?? '';
  }
}
