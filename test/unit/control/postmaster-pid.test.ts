import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePostmasterPid, readPostmasterPid } from '../../../src/control/index.js';

// The layout PostgreSQL 10+ writes (src/include/utils/pidfile.h): pid, data directory, start
// time, port, first socket directory, first listen address, shared memory key, status.
const ready = ['4242', '/srv/pg/data', '1763900000', '5433', '/tmp/sock', '*', '  5433001     32768', 'ready   ', ''].join('\n');

describe('parsePostmasterPid', () => {
  it('reads every line of a running server', () => {
    expect(parsePostmasterPid(ready)).toEqual({
      pid: 4242,
      dataDirectory: '/srv/pg/data',
      startTime: 1763900000,
      port: 5433,
      socketDirectory: '/tmp/sock',
      listenAddresses: '*',
      shmemKey: '5433001     32768',
      status: 'ready',
    });
  });

  it('gives null for TCP or sockets turned off, and for a status not yet written', () => {
    const text = ['77', '/d', '1', '5432', '', '', '', ''].join('\n');
    expect(parsePostmasterPid(text)).toMatchObject({ socketDirectory: null, listenAddresses: null, shmemKey: null, status: null });
  });

  it('knows the four statuses and ignores anything else', () => {
    for (const status of ['starting', 'stopping', 'ready', 'standby'] as const) {
      expect(parsePostmasterPid(ready.replace('ready   ', status))?.status).toBe(status);
    }
    expect(parsePostmasterPid(ready.replace('ready   ', 'dancing'))?.status).toBeNull();
  });

  it('reads a half-written file (the server writes it in steps) and rejects one that is not a lock file', () => {
    expect(parsePostmasterPid('4242\n')).toMatchObject({ pid: 4242, port: 0, status: null });
    expect(parsePostmasterPid('')).toBeNull();
    expect(parsePostmasterPid('hello\n')).toBeNull();
  });

  it('reads the pid of a standalone backend, written negated, as positive', () => {
    expect(parsePostmasterPid('-4242\n/d\n')?.pid).toBe(4242);
  });
});

describe('readPostmasterPid', () => {
  it('reads the file of a data directory, and null where there is none', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pgct-unit-'));
    try {
      expect(await readPostmasterPid(dir)).toBeNull();
      expect(await readPostmasterPid(join(dir, 'missing'))).toBeNull();
      writeFileSync(join(dir, 'postmaster.pid'), ready);
      expect((await readPostmasterPid(dir))?.pid).toBe(4242);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // The data directory is the server's user's (issue 10, principle 8): a FIFO put in the lock
  // file's place blocked the read for good (stop(), running(), the sweep hung), a link was read
  // through (a root-only file, /dev/zero without end). Each now counts as no lock file.
  it('reads only a regular file: a FIFO, a link (to a lock file, to /dev/zero) and a folder count as none', { timeout: 10_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pgct-unit-'));
    try {
      const lock = join(dir, 'postmaster.pid');
      execFileSync('mkfifo', [lock]);
      expect(await readPostmasterPid(dir)).toBeNull();
      rmSync(lock);
      writeFileSync(join(dir, 'elsewhere'), ready);
      symlinkSync(join(dir, 'elsewhere'), lock);
      expect(await readPostmasterPid(dir)).toBeNull();
      rmSync(lock);
      symlinkSync('/dev/zero', lock);
      expect(await readPostmasterPid(dir)).toBeNull();
      rmSync(lock);
      execFileSync('mkdir', [lock]);
      expect(await readPostmasterPid(dir)).toBeNull();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
