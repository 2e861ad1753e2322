import { join } from 'node:path';
import { expect, vi } from 'vitest';
import { describeDocsExamples, type PrintedCheck } from '../../helpers/docs-examples.js';

// docs/replication.md quotes these scripts verbatim (with `pg-cluster` in the imports); here each
// one runs for real and must leave no folder behind under /tmp/pgct-example-*.
const examples = join(import.meta.dirname, 'docs-examples');
// A persistent primary and two standbys with fsync on: pg_basebackup's checkpoint and sync, each
// standby's start-up sync and drop's shutdown take 25-45 s on a shared 2-core machine's disk.
vi.setConfig({ testTimeout: 180_000 });

const expectations: Record<string, PrintedCheck> = {
  'client-pattern.ts': (printed) => {
    expect(printed[0]).toEqual(['master', 'hot standby', ['b streaming async', 'c streaming quorum']]);
    expect(printed[1]).toEqual(['postgresql://myapp:***@127.0.0.1:<port>,127.0.0.1:<port>,127.0.0.1:<port>/myapp?target_session_attrs=read-write']);
    expect(printed[2]).toEqual([[{ body: 'written on the master', standby: true }], true]);
    expect(printed[3]).toEqual(['25006']);
  },
  'master-changed.ts': (printed) => {
    expect(printed).toEqual([['master_changed', 'a'], ['master_changed', null], ['master_changed', 'b'], [[{ id: 1 }, { id: 2 }]], ['hot standby']]);
  },
};

describeDocsExamples('replication.md', examples, expectations);
