import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CommandError, runInherited } from '../../../src/control/index.js';

// The programs share the test process's stdio, so they report through files, not output.
const dir = mkdtempSync('/tmp/pgct-run-inherited-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function script(name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('runInherited', () => {
  it('resolves with status 0 for a program that succeeds', async () => {
    const result = await runInherited('true');
    expect(result).toMatchObject({ exitCode: 0, signal: null, forwarded: [] });
  });

  it('resolves (does not reject) with a non-zero exit status', async () => {
    const fail = script('fail', 'exit 3');
    expect(await runInherited(fail)).toMatchObject({ exitCode: 3, signal: null });
  });

  it('resolves with the signal that ended the program', async () => {
    const killed = script('killed', 'kill -TERM $$');
    expect(await runInherited(killed)).toMatchObject({ exitCode: null, signal: 'SIGTERM' });
  });

  it('passes args, env and cwd', async () => {
    const out = join(dir, 'env-out');
    const show = script('show', 'echo "$1|$PGCT_VALUE|$(pwd)" > "$2"');
    const result = await runInherited(show, ['a b', out], { env: { PGCT_VALUE: 'v1' }, cwd: dir });
    expect(result.exitCode).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(`a b|v1|${dir}\n`);
  });

  it('rejects with COMMAND_NOT_FOUND for a missing program', async () => {
    const error = await runInherited(join(dir, 'missing'), ['--version']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandError);
    expect(error).toMatchObject({ code: 'COMMAND_NOT_FOUND', exitCode: null, signal: null, args: ['--version'] });
    expect((error as Error).cause).toMatchObject({ code: 'ENOENT' });
  });

  it('rejects with COMMAND_NOT_FOUND for a file that is not executable', async () => {
    const path = join(dir, 'not-executable');
    writeFileSync(path, '#!/bin/sh\nexit 0\n');
    chmodSync(path, 0o644);
    await expect(runInherited(path)).rejects.toMatchObject({ code: 'COMMAND_NOT_FOUND' });
  });

  it('passes a signal this process receives on to the program and resolves when it exits', async () => {
    const ready = join(dir, 'forward-ready');
    const got = join(dir, 'forward-got');
    const trapping = script('trapping', `trap 'echo USR2 > "${got}"; exit 5' USR2\ntouch "${ready}"\nwhile :; do sleep 0.02; done`);
    const before = process.listenerCount('SIGUSR2');
    const pending = runInherited(trapping, [], { forwardSignals: ['SIGUSR2'] });
    await until(() => existsSync(ready));
    expect(process.listenerCount('SIGUSR2')).toBeGreaterThan(before);
    // A real signal to this very process: without the listener runInherited adds, it would end the test worker.
    process.kill(process.pid, 'SIGUSR2');
    expect(await pending).toMatchObject({ exitCode: 5, signal: null, forwarded: ['SIGUSR2'] });
    expect(readFileSync(got, 'utf8')).toBe('USR2\n');
    expect(process.listenerCount('SIGUSR2')).toBe(before);
  });

  it('listens for SIGINT, SIGTERM and SIGHUP only while the program runs', async () => {
    const counts = () => (['SIGINT', 'SIGTERM', 'SIGHUP'] as const).map((name) => process.listenerCount(name));
    const before = counts();
    const ready = join(dir, 'listen-ready');
    const go = join(dir, 'listen-go');
    const waiting = script('waiting', `touch "${ready}"\nwhile [ ! -e "${go}" ]; do sleep 0.02; done`);
    const pending = runInherited(waiting);
    await until(() => existsSync(ready));
    counts().forEach((count, i) => expect(count).toBeGreaterThan(before[i]!));
    writeFileSync(go, '');
    expect(await pending).toMatchObject({ exitCode: 0 });
    expect(counts()).toEqual(before);
  });

  it('cancels the program through an AbortSignal and rejects', async () => {
    const ready = join(dir, 'cancel-ready');
    const slow = script('slow', `touch "${ready}"\nexec sleep 10`);
    const controller = new AbortController();
    const pending = runInherited(slow, [], { signal: controller.signal });
    await until(() => existsSync(ready));
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: 'COMMAND_FAILED', isCanceled: true, signal: 'SIGTERM' });
  });

  it('validates its arguments', async () => {
    await expect(runInherited('')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(runInherited('true', [1 as unknown as string])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(runInherited('true', [], { forwardSignals: ['INT' as NodeJS.Signals] })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
