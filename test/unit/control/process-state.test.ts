import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { isPostmasterOf, isProcessAlive, processState } from '../../../src/control/index.js';

describe('isProcessAlive', () => {
  it('is true for this process and false for a pid that does not exist', () => {
    expect(isProcessAlive(process.pid)).toBe(true);
    expect(isProcessAlive(2 ** 22 + 1)).toBe(false);
    expect(isProcessAlive(0)).toBe(false);
    expect(isProcessAlive(-1)).toBe(false);
  });

  it('counts a zombie as gone, although kill(pid, 0) still succeeds on it', async () => {
    // The background `sleep 0.2` exits after its parent shell has become `sleep 5` (exec), which
    // never reaps it: a zombie. (A child that exits before the exec may be reaped by the shell.)
    const parent = spawn('sh', ['-c', 'sleep 0.2 & echo $!; exec sleep 5'], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const [chunk] = (await once(parent.stdout!, 'data')) as [Buffer];
      const zombie = Number(chunk.toString().trim());
      let state = processState(zombie);
      for (let i = 0; i < 250 && state !== 'Z'; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        state = processState(zombie);
      }
      expect({ zombie, state }).toEqual({ zombie, state: 'Z' });
      expect(() => process.kill(zombie, 0)).not.toThrow();
      expect(isProcessAlive(zombie)).toBe(false);
    } finally {
      parent.kill('SIGKILL');
    }
  });

  it('does not take a process that is not postgres for a postmaster', () => {
    expect(isPostmasterOf(process.pid, process.cwd())).toBe(false);
  });
});
