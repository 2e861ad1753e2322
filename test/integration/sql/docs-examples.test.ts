import { join } from 'node:path';
import { expect } from 'vitest';
import { describeDocsExamples, type PrintedCheck } from '../../helpers/docs-examples.js';

// docs/sql-files.md quotes these scripts verbatim (with `pg-cluster` in the imports); here each
// one runs for real and must leave no folder behind under /tmp/pgct-example-*.
const examples = join(import.meta.dirname, 'docs-examples');

const expectations: Record<string, PrintedCheck> = {
  'load-migrations.ts': (printed) => {
    expect(printed[0]).toEqual([['migrations/001_schema.sql', 'migrations/002_view.sql'], 4]);
    expect(printed[1]).toEqual([[{ name: 'ADA; COUNTESS OF LOVELACE!' }, { name: 'EDSGER W.!' }, { name: 'GRACE HOPPER!' }]]);
  },
  'error-shape.ts': (printed) => {
    const message = '…/003_broken.sql:4:8: ERROR 42P01: relation "missing" does not exist';
    expect(printed).toEqual([
      ['node', 'SQL_STATEMENT_FAILED', 4, 8, '42P01', message],
      ['psql', 'SQL_STATEMENT_FAILED', 4, 8, '42P01', message],
    ]);
  },
};

describeDocsExamples('sql-files.md', examples, expectations);
