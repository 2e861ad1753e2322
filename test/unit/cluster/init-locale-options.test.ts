import { describe, expect, it } from 'vitest';
import { initdbArguments } from '../../../src/cluster/index.js';
import { InvalidArgumentError } from '../../../src/errors.js';

describe('init({ lcMonetary, lcNumeric, lcTime, lcMessages, logfile })', () => {
  it("maps the locale categories to initdb's options", () => {
    const args = initdbArguments('/d', { lcMonetary: 'de_DE.UTF-8', lcNumeric: 'C', lcTime: 'en_GB.UTF-8', lcMessages: 'C' }, 15);
    expect(args).toEqual(['-D', '/d', '--lc-monetary=de_DE.UTF-8', '--lc-numeric=C', '--lc-time=en_GB.UTF-8', '--lc-messages=C', '--no-instructions']);
  });

  it('checks them as the other text options, and logfile as a path or a writable stream', () => {
    expect(() => initdbArguments('/d', { lcTime: '' }, 15)).toThrow('Expected `lcTime` to be a non-empty string, got ``');
    expect(() => initdbArguments('/d', { lcMessages: 3 as never }, 15)).toThrow(InvalidArgumentError);
    expect(() => initdbArguments('/d', { logfile: '' }, 15)).toThrow('Expected `logfile` to be a file path or a writable stream');
    expect(() => initdbArguments('/d', { logfile: {} as never }, 15)).toThrow(InvalidArgumentError);
    expect(initdbArguments('/d', { logfile: '/tmp/initdb.log' }, 15)).toEqual(['-D', '/d', '--no-instructions']); // not an initdb argument
  });
});
