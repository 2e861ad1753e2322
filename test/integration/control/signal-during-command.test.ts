// A Ctrl-C that arrives while the SDK runs a command of its own (the `cp -a` of a template,
// `pg_config`, `id`) must end the process and run the exit cleanups. execa loads signal-exit
// for such a child; signal-exit acts only when its listeners are the only ones, and the exit
// cleanup registry stepped aside whenever any other listener existed: each left the signal to
// the other, and it was lost. A real child Node process, a real command, a real signal.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isProcessAlive } from '../../../src/control/index.js';
import { compileSource } from './compile-source.js';

let compiled: ReturnType<typeof compileSource>;
let folder: string;

beforeAll(() => {
  compiled = compileSource();
  folder = mkdtempSync(join(tmpdir(), 'pgct-signal-'));
});
afterAll(() => {
  compiled.remove();
  rmSync(folder, { recursive: true, force: true });
});

function script(withOwnListener: boolean): string {
  return `
import { writeFileSync } from 'node:fs';
import { registerExitCleanup, runCommand } from ${JSON.stringify(join(compiled.outDir, 'control', 'index.js'))};
const [marker] = process.argv.slice(2);
registerExitCleanup(() => writeFileSync(marker, 'cleaned'));
${withOwnListener ? "process.on('SIGINT', () => { writeFileSync(marker, 'application'); process.exit(7); });" : ''}
const running = runCommand('sleep', ['30']);
setTimeout(() => process.stdout.write('ready\\n'), 100);
await running;
`;
}

async function interruptDuringCommand(withOwnListener: boolean): Promise<{ code: number | null; signal: NodeJS.Signals | null; marker: string | null; sleepers: number[] }> {
  const file = join(folder, `child-${withOwnListener}.mjs`);
  const marker = join(folder, `marker-${withOwnListener}`);
  writeFileSync(file, script(withOwnListener));
  const child = spawn(process.execPath, [file, marker], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  await new Promise<void>((resolve) => child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve()));
  const sleepers = sleepChildren(child.pid!);
  child.kill('SIGINT');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  const outcome = await exited;
  clearTimeout(timer);
  return { ...outcome, marker: existsSync(marker) ? readFileSync(marker, 'utf8') : null, sleepers };
}

function sleepChildren(pid: number): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        return stat.includes('(sleep)') && stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1] === String(pid);
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe('a signal while the SDK runs a command', () => {
  it('ends the process by that signal, runs the exit cleanups and stops the command', async () => {
    const outcome = await interruptDuringCommand(false);
    expect(outcome.sleepers.length).toBe(1);
    expect(outcome).toMatchObject({ code: null, signal: 'SIGINT', marker: 'cleaned' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(outcome.sleepers.filter((pid) => isProcessAlive(pid))).toEqual([]);
  });

  it('is still left to the application when it listens for the signal itself', async () => {
    const outcome = await interruptDuringCommand(true);
    expect(outcome).toMatchObject({ code: 7, signal: null });
    // Its process.exit() ran the exit hook: the registry's cleanup came last.
    expect(outcome.marker).toBe('cleaned');
  });
});
