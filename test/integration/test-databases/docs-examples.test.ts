import { join } from 'node:path';
import { expect } from 'vitest';
import { describeDocsExamples, type PrintedCheck } from '../../helpers/docs-examples.js';

// docs/testing.md quotes these scripts verbatim (with `pg-cluster` in the imports); here each
// one runs for real and must leave no folder behind under /tmp/pgct-example-*.
const examples = join(import.meta.dirname, 'docs-examples');

const expectations: Record<string, PrintedCheck> = {
  'test-databases.ts': (printed) => {
    expect(printed).toEqual([[false], [[{ name: 'seed' }, { name: 'mine' }]], [[{ n: 2 }]], [[{ n: 1 }]], [true]]);
  },
};

describeDocsExamples('testing.md', examples, expectations);
