import { describe, expect, it } from 'vitest';

// Node 20 has Symbol.asyncDispose but not the `await using` syntax: this file only runs if the
// test toolchain compiles the declaration down, the same way `tsc` does for dist/.
describe('await using', () => {
  it('disposes a resource at the end of its block, also when the block throws', async () => {
    const events: string[] = [];
    const resource = (name: string) => ({
      async [Symbol.asyncDispose]() {
        events.push(`dispose ${name}`);
      },
    });
    {
      await using first = resource('first');
      await using second = resource('second');
      events.push('body');
      expect([first, second]).toHaveLength(2);
    }
    await expect(
      (async () => {
        await using third = resource('third');
        expect(third).toBeDefined();
        throw new Error('boom');
      })(),
    ).rejects.toThrow('boom');
    expect(events).toEqual(['body', 'dispose second', 'dispose first', 'dispose third']);
  });
});
