import { describe, expect, it } from 'vitest';
import type { CliCommand } from '../../../src/cli/cli-command.js';
import { readInteger, readList, readSettings } from '../../../src/cli/option-values.js';
import { parseCommandLine } from '../../../src/cli/parse-command-line.js';
import { UsageError } from '../../../src/cli/usage-error.js';

const runner: CliCommand = {
  name: 'tmp',
  summary: '',
  usage: '',
  positionals: true,
  runsCommand: true,
  options: [
    { name: 'set', short: 'c', type: 'string', multiple: true, description: '' },
    { name: 'port', type: 'string', description: '' },
    { name: 'tcp', type: 'boolean', description: '' },
  ],
  run: async () => 0,
};

function usageMessage(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as UsageError).message;
  }
  throw new Error('no usage error');
}

describe('parseCommandLine with a command after --', () => {
  it('takes everything after -- as the command, options of ours before it', () => {
    expect(parseCommandLine(runner, ['-c', 'a=1', '--set', 'b=2', '--tcp', '--', 'psql', '-XAtc', 'SELECT 1', '--tcp'])).toEqual({
      values: { set: ['a=1', 'b=2'], tcp: true },
      positionals: ['psql', '-XAtc', 'SELECT 1', '--tcp'],
    });
    expect(parseCommandLine(runner, ['--port', '5'])).toEqual({ values: { port: '5' }, positionals: [] });
  });

  it('says to put -- before a command given without it, wherever it starts', () => {
    expect(usageMessage(() => parseCommandLine(runner, ['psql', '-XAtc', 'SELECT 1']))).toBe('`psql` is not an option of tmp: put `--` before the command (pg-cluster tmp [options] -- psql -XAtc SELECT 1)');
    expect(usageMessage(() => parseCommandLine(runner, ['--port', '5', 'psql']))).toContain('`psql` is not an option of tmp: put `--` before the command');
    // An option's value is no command.
    expect(parseCommandLine(runner, ['--port', 'psql']).values).toEqual({ port: 'psql' });
  });

  it('refuses `--` with nothing after it, and an unknown option before it', () => {
    expect(usageMessage(() => parseCommandLine(runner, ['--']))).toBe('`--` must be followed by a command to run');
    expect(usageMessage(() => parseCommandLine(runner, ['--frob', '--', 'true']))).toBe("Unknown option '--frob'");
  });

  it('keeps the first line of parseArgs\' messages', () => {
    expect(usageMessage(() => parseCommandLine(runner, ['--port', '-1']))).toBe("Option '--port' argument is ambiguous");
  });
});

describe('option values', () => {
  it('readSettings: name=value pairs, a value may hold =, a later one wins', () => {
    expect(readSettings({ set: ['work_mem=8MB', 'application_name=a=b', 'work_mem=16MB'] }, 'tmp')).toEqual({ work_mem: '16MB', application_name: 'a=b' });
    expect(readSettings({}, 'tmp')).toEqual({});
    expect(usageMessage(() => readSettings({ set: ['work_mem'] }, 'tmp'))).toBe('--set expects name=value, got `work_mem`');
    expect(usageMessage(() => readSettings({ set: ['1x=2'] }, 'tmp'))).toBe('--set expects name=value, got `1x=2`');
  });

  it('readInteger: positive decimal integers only', () => {
    expect(readInteger({ port: '5432' }, 'port', 'create')).toBe(5432);
    expect(readInteger({}, 'port', 'create')).toBeUndefined();
    for (const bad of ['0', '-1', '1.5', '0x10', '', ' 5', '1e3']) expect(usageMessage(() => readInteger({ port: bad }, 'port', 'create'))).toBe(`--port expects a positive integer, got \`${bad}\``);
  });

  it('readList: every value, in order; an empty one is an error', () => {
    expect(readList({ extension: ['a', 'b'] }, 'extension', 'tmp')).toEqual(['a', 'b']);
    expect(usageMessage(() => readList({ extension: [''] }, 'extension', 'tmp'))).toBe('--extension expects a non-empty value');
  });
});
