import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { describeDocsExamples, type PrintedCheck } from '../helpers/docs-examples.js';
import { haSuiteName, hasHaPrograms } from './ha-helpers.js';

// docs/ha.md quotes these scripts verbatim (with `pg-cluster` in the imports); here each runs
// for real (on-one-machine.ts starts a real 3-member cluster) and must leave no folder behind.
const examples = join(import.meta.dirname, 'docs-examples', 'examples');

const expectations: Record<string, PrintedCheck> = {
  'on-one-machine.ts': (printed) => {
    expect(printed[0]).toEqual([['leader', 'replica', 'sync_standby']]);
    expect(printed[1]).toEqual(['master']);
    expect(printed[2]).toEqual([true, true]);
  },
  'real-hosts.ts': (printed) => {
    expect(printed[0]).toEqual([true, true]);
  },
};

describe.skipIf(!hasHaPrograms)(haSuiteName('docs/ha.md'), () => {
  describeDocsExamples('ha.md', examples, expectations);
});
