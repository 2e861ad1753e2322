import { chmodSync, lstatSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readWalDirectoryRecord, recordWalDirectory, removeWalDirectoryRecord, walDirectoryRecordPath } from '../../../src/cluster/wal-directory-record.js';

const made: string[] = [];
afterEach(() => {
  for (const path of made.splice(0)) rmSync(path, { recursive: true, force: true });
});

function folder(): { data: string; waldir: string; record: string } {
  const root = mkdtempSync(join(tmpdir(), 'pgct-walrecord-'));
  made.push(root);
  const data = join(root, 'data');
  const waldir = join(root, 'wal');
  mkdirSync(waldir);
  return { data, waldir, record: walDirectoryRecordPath(data) };
}

describe('the WAL directory record (beside the data directory, trusted only as our own file)', () => {
  it('records the device and inode of the WAL directory and reads them back', async () => {
    const { data, waldir, record } = folder();
    await recordWalDirectory(data, waldir);
    expect(record).toBe(`${data}.waldir.json`);
    const stats = lstatSync(waldir, { bigint: true });
    expect(await readWalDirectoryRecord(data)).toEqual({ waldir, dev: stats.dev, ino: stats.ino });
    expect(lstatSync(record).mode & 0o777).toBe(0o600);
    await removeWalDirectoryRecord(data);
    expect(await readWalDirectoryRecord(data)).toBeNull();
  });

  it('a record others may write, a link in its place, or garbage does not count', async () => {
    const { data, waldir, record } = folder();
    await recordWalDirectory(data, waldir);
    chmodSync(record, 0o666);
    expect(await readWalDirectoryRecord(data)).toBeNull();
    chmodSync(record, 0o600);
    const real = `${record}.real`;
    writeFileSync(real, JSON.stringify({ waldir, dev: '1', ino: '2' }), { mode: 0o600 });
    rmSync(record);
    symlinkSync(real, record);
    expect(await readWalDirectoryRecord(data)).toBeNull();
    rmSync(record);
    writeFileSync(record, 'not json', { mode: 0o600 });
    expect(await readWalDirectoryRecord(data)).toBeNull();
  });

  it('a file planted where the record goes does not lend it its owner or mode: the new record is ours, 0600', async () => {
    const { data, waldir, record } = folder();
    writeFileSync(record, 'planted', { mode: 0o666 });
    chmodSync(record, 0o666);
    await recordWalDirectory(data, waldir);
    expect(lstatSync(record).mode & 0o777).toBe(0o600);
    expect(await readWalDirectoryRecord(data)).not.toBeNull();
  });
});
