import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CommandError, formatCommandLine, runCommand, tailOf } from '../../../src/control/index.js';
import { PgClusterError } from '../../../src/errors.js';

const dir = mkdtempSync('/tmp/pgct-run-command-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function script(name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

describe('runCommand', () => {
  it('resolves with the output of a program that succeeds', async () => {
    const ok = script('ok', 'echo "out $1"; echo err >&2');
    const result = await runCommand(ok, ['one']);
    expect(result).toMatchObject({ stdout: 'out one', stderr: 'err', exitCode: 0 });
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('rejects with COMMAND_FAILED carrying exit code, args and output tails', async () => {
    const fail = script('fail', 'echo partial; echo "no such thing" >&2; exit 3');
    const error = await runCommand(fail, ['--x', 'a b']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandError);
    expect(error).toBeInstanceOf(PgClusterError);
    expect(error).toMatchObject({
      code: 'COMMAND_FAILED',
      command: fail,
      args: ['--x', 'a b'],
      exitCode: 3,
      signal: null,
      stdoutTail: 'partial',
      stderrTail: 'no such thing',
      timedOut: false,
    });
    expect((error as Error).message).toContain(`exit code 3: ${fail} --x 'a b'`);
    expect((error as Error).message).toContain('no such thing');
  });

  it('rejects with COMMAND_NOT_FOUND for a missing program', async () => {
    const error = await runCommand(join(dir, 'missing'), ['--version']).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'COMMAND_NOT_FOUND', exitCode: null, args: ['--version'] });
    expect((error as Error).cause).toMatchObject({ code: 'ENOENT' });
  });

  it('rejects with COMMAND_NOT_FOUND for a file that is not executable', async () => {
    const path = join(dir, 'not-executable');
    writeFileSync(path, '#!/bin/sh\necho hi\n');
    chmodSync(path, 0o644);
    // root may execute nothing without an x bit either, so this holds as root and as a user.
    await expect(runCommand(path)).rejects.toMatchObject({ code: 'COMMAND_NOT_FOUND' });
  });

  it('kills a program that outlives its timeout', async () => {
    const slow = script('slow', 'exec sleep 10');
    const error = await runCommand(slow, [], { timeout: 50 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'COMMAND_FAILED', timedOut: true, signal: 'SIGTERM', exitCode: null });
  });

  it('cancels a program through an AbortSignal', async () => {
    const slow = script('slow2', 'exec sleep 10');
    const controller = new AbortController();
    const pending = runCommand(slow, [], { signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: 'COMMAND_FAILED', isCanceled: true });
  });

  it('passes env and cwd', async () => {
    const show = script('show', 'echo "$PGCT_VALUE $(pwd)"');
    const result = await runCommand(show, [], { env: { PGCT_VALUE: 'v1' }, cwd: dir });
    expect(result.stdout).toBe(`v1 ${dir}`);
  });

  it('validates its options', async () => {
    await expect(runCommand('true', [], { timeout: -1 })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: 'Expected `timeout` to be a non-negative number, got `-1`',
    });
  });
});

describe('CommandError helpers', () => {
  it('keeps only the tail of long output', () => {
    expect(tailOf('abcdef', 3)).toBe('…def');
    expect(tailOf('abc', 3)).toBe('abc');
  });

  it('quotes a command line for display', () => {
    expect(formatCommandLine('/bin/pg_ctl', ['-D', '/tmp/a b', "it's", ''])).toBe(`/bin/pg_ctl -D '/tmp/a b' 'it'\\''s' ''`);
  });
});
