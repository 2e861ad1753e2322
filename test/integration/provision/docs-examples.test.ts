import { join } from 'node:path';
import { expect } from 'vitest';
import { describeDocsExamples, type PrintedCheck } from '../../helpers/docs-examples.js';

// docs/provisioning.md quotes these scripts verbatim (with `pg-cluster` in the imports); here each
// one runs for real and must leave no folder behind under /tmp/pgct-example-*.
const examples = join(import.meta.dirname, 'docs-examples');

const expectations: Record<string, PrintedCheck> = {
  'client-flow.ts': (printed) => {
    expect(printed[0]).toEqual(['standalone', true, 'myapp', 'myapp', 'myapp_schema']);
    expect(printed[1]).toEqual([[{ current_user: 'myapp', body: 'Hello' }]]);
    expect(printed[2]).toEqual([true, false]);
  },
};

describeDocsExamples('provisioning.md', examples, expectations);
