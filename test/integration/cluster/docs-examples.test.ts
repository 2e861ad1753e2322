import { join } from 'node:path';
import { expect } from 'vitest';
import { describeDocsExamples, type PrintedCheck } from '../../helpers/docs-examples.js';

// docs/cluster.md quotes these scripts verbatim (with `pg-cluster` in the imports); here each one
// runs for real and must leave no folder behind under /tmp/pgct-example-*.
const examples = join(import.meta.dirname, 'docs-examples');

const expectations: Record<string, PrintedCheck> = {
  'lifecycle.ts': (printed) => {
    expect(printed[0]).toEqual([true, true, true]);
    expect(printed[1]).toEqual([[{ two: 2 }]]);
    expect(printed[2]).toEqual(['smart', { exitCode: 0, signal: null }]);
  },
  'configure.ts': (printed) => {
    expect(printed[0]).toEqual([{ work_mem: '8MB', max_connections: '100' }]);
    expect(printed[1]).toEqual([true, [expect.objectContaining({ name: 'max_connections', error: 'setting could not be applied' })], ['max_connections']]);
  },
  'alter-system.ts': (printed) => {
    expect(printed[0]).toEqual(['CONFIG_SET_IN_AUTO_CONF', '64MB', true]);
    expect(printed[1]).toEqual(['8MB', '64MB']);
    expect(printed[2]).toEqual(['8MB']);
  },
  'stopping.ts': (printed) => {
    expect(printed[0]).toEqual(['smart', 'fast', ['fast']]);
    expect(printed[1]).toEqual([{ exitCode: null, signal: 'SIGKILL' }]);
    expect(printed[2]).toEqual(['in production']);
  },
  'errors.ts': (printed) => {
    expect(printed[0]).toEqual(['INVALID_SETTING', 1, expect.stringContaining('invalid value for parameter "shared_buffers": "plenty"')]);
    expect(printed[1]).toEqual([false]);
  },
  'values.ts': (printed) => {
    expect(printed[0]).toEqual(['CONFIG_INVALID_VALUE', { type: 'integer', min: 16, max: 1073741823, unit: '8kB' }, 'invalid value for parameter "shared_buffers": "plenty"']);
    expect(printed[1]).toEqual([['shared_buffers'], [['work_mem', 'lots', 'invalid value for parameter "work_mem": "lots"']]]);
  },
  'dispose.ts': (printed) => {
    expect(printed[0]).toEqual([false]);
  },
  'dispose.try-finally.ts': (printed) => {
    expect(printed[0]).toEqual([false]);
  },
  'temporary-settings.try-finally.ts': (printed) => {
    expect(printed[0]).toEqual([{ work_mem: '64MB' }, ['shared_buffers']]);
    expect(printed[1]).toEqual(['the body fails']);
    expect(printed[2]).toEqual([{ work_mem: '4MB' }, true]);
  },
  'detached.ts': (printed) => {
    expect(printed[0]).toEqual([true, true]);
    expect(printed[1]).toEqual([true, true]);
  },
  'split-layout.ts': (printed) => {
    expect(printed[0]).toEqual([['pg_hba.conf', 'pg_ident.conf', 'postgresql.conf'], true]);
    expect(printed[1]).toEqual([[{ same: true, work_mem: '16MB' }]]);
    expect(printed[2]).toEqual([3]);
  },
  'drop.ts': (printed) => {
    expect(printed[0]).toEqual([{ removed: [expect.stringMatching(/\/data$/), expect.stringMatching(/\/wal$/)], kept: [] }]);
    expect(printed[1]).toEqual(['DROP_NOT_A_DIRECTORY']);
  },
  'temporary-settings.ts': (printed) => {
    expect(printed[0]).toEqual([{ work_mem: '64MB' }, ['shared_buffers']]);
    expect(printed[1]).toEqual(['the body fails']);
    expect(printed[2]).toEqual([{ work_mem: '4MB' }, true]);
  },
  'address.ts': (printed) => {
    expect(printed[0]).toEqual([true, 6543, []]);
    expect(printed[1]).toEqual([[{ current_database: 'template1' }]]);
    expect(printed[2]).toEqual([{ host: expect.stringMatching(/^\/tmp\/pgct-example-.*\/sock$/), port: 6543, user: 'postgres', database: 'postgres' }]);
  },
};

describeDocsExamples('cluster.md', examples, expectations);

describeDocsExamples('found-clusters.md', examples, {
  'found-clusters.ts': (printed) => {
    expect(printed[0]).toEqual(['given', 15, 'down', 15]);
    expect(printed[1]).toEqual(['online', true, true]);
  },
});
