import { open } from 'node:fs/promises';
import { READ_NO_FOLLOW } from '../fs/regular-file.js';
import { type FileIdentity, isSameFile } from './server-log-file.js';

/** Follows a growing log file from `offset`, handing each complete line to `onLine`. */
export interface LogTail {
  /** Reads what is left, hands out the last (even unterminated) line, and stops. */
  stop(): Promise<void>;
}

/**
 * Polls `path` every `interval` ms (the timer does not keep Node alive) and calls `onLine` for
 * each new line. The server keeps writing the file directly: following it never slows the server.
 * A link at `path` is never followed, and with `identity` only that file is read: anything put in
 * its place ends the tail.
 */
export function tailLogFile(path: string, offset: number, onLine: (line: string) => void, options: { interval?: number; identity?: FileIdentity } = {}): LogTail {
  const { interval = 100, identity } = options;
  let position = offset;
  let partial = '';
  let reading: Promise<void> = Promise.resolve();
  let stopped = false;

  const readMore = async (): Promise<void> => {
    let handle;
    try {
      handle = await open(path, READ_NO_FOLLOW);
      if (identity !== undefined && !isSameFile(await handle.stat(), identity)) return;
      for (;;) {
        const buffer = Buffer.alloc(65_536);
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
        if (bytesRead === 0) break;
        position += bytesRead;
        const lines = (partial + buffer.subarray(0, bytesRead).toString('utf8')).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) deliver(line);
      }
    } catch {
      // The file may be gone (drop()); nothing more to follow.
    } finally {
      await handle?.close();
    }
  };
  const deliver = (line: string): void => {
    try {
      onLine(line.replace(/\r$/, ''));
    } catch {
      // A failing listener must not stop the tail.
    }
  };
  const timer = setInterval(() => {
    reading = reading.then(readMore);
  }, interval);
  timer.unref();

  return {
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      reading = reading.then(readMore);
      await reading;
      if (partial !== '') deliver(partial);
      partial = '';
    },
  };
}

/** Splits streamed chunks into lines (for a server whose output is piped to us). */
export function lineSplitter(onLine: (line: string) => void): { push(chunk: string): void; flush(): void } {
  let partial = '';
  return {
    push(chunk) {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) onLine(line.replace(/\r$/, ''));
    },
    flush() {
      if (partial !== '') onLine(partial);
      partial = '';
    },
  };
}
