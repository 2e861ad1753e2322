import { describe, expect, it } from 'vitest';
import { pendingExitCleanups, registerExitCleanup, runExitCleanups } from '../../../src/control/index.js';

describe('exit cleanup registry', () => {
  it('runs process cleanups before file cleanups, each once, and survives one that throws', () => {
    const order: string[] = [];
    registerExitCleanup(() => order.push('remove folder'), { phase: 'files' });
    registerExitCleanup(() => {
      throw new Error('boom');
    });
    registerExitCleanup(() => order.push('stop server'), { phase: 'processes' });
    expect(pendingExitCleanups()).toBe(3);
    runExitCleanups();
    runExitCleanups();
    expect(order).toEqual(['stop server', 'remove folder']);
    expect(pendingExitCleanups()).toBe(0);
  });

  it('installs its process listeners only while something is registered', () => {
    const before = process.listenerCount('exit');
    const beforeTerm = process.listenerCount('SIGTERM');
    const unregister = registerExitCleanup(() => undefined);
    expect(process.listenerCount('exit')).toBe(before + 1);
    expect(process.listenerCount('SIGTERM')).toBe(beforeTerm + 1);
    unregister();
    expect(process.listenerCount('exit')).toBe(before);
    expect(process.listenerCount('SIGTERM')).toBe(beforeTerm);
  });

  it('leaves a signal to the application when it listens for it itself', () => {
    let ran = false;
    const unregister = registerExitCleanup(() => {
      ran = true;
    });
    const own = () => undefined;
    process.on('SIGHUP', own);
    try {
      process.emit('SIGHUP', 'SIGHUP');
      expect(ran).toBe(false);
      expect(pendingExitCleanups()).toBe(1);
    } finally {
      process.removeListener('SIGHUP', own);
      unregister();
    }
  });

  it('does not run an unregistered action', () => {
    let ran = false;
    const unregister = registerExitCleanup(() => {
      ran = true;
    });
    unregister();
    runExitCleanups();
    expect(ran).toBe(false);
  });
});
