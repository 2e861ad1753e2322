import { ConnectionInfo } from '../throwaway/index.js';
import type { TestDatabase } from './test-database.js';
import type { TestDatabases } from './test-databases.js';
import { TestDatabasesError } from './test-databases-error.js';

/** Where a fixture gets its {@link TestDatabases}: the object, a promise of it, or a function giving either. */
export type TestDatabasesSource = TestDatabases | PromiseLike<TestDatabases> | (() => TestDatabases | PromiseLike<TestDatabases>);

/** The part of vitest's test context the fixture reads: the test's result state after it ran. */
export interface VitestFixtureContext {
  task: { name?: string; result?: { state?: string } | undefined };
}

/**
 * A vitest fixture (`test.extend({ db: testDatabaseFixture(dbs) })`): each test that asks for
 * `db` gets one from the pool. After a passing test it is released; after a failing one it is
 * kept and the fixture's teardown fails with a `KEPT` {@link TestDatabasesError} whose message
 * holds its connection string, which vitest's reporter prints with the test's own error.
 */
export function testDatabaseFixture(source: TestDatabasesSource): (context: VitestFixtureContext, use: (db: TestDatabase) => Promise<void>) => Promise<void> {
  // vitest reads the fixture's first parameter to find the fixtures it depends on: it must be an object pattern.
  return async ({ task }, use) => {
    const databases = await resolveSource(source);
    const db = await databases.acquire();
    await use(db);
    if (task.result?.state === 'fail') throw await keptError(databases, db);
    await db.release();
  };
}

/**
 * Runs `test(db)` with a database from the pool, for Jest (or any runner): `test('…',
 * withTestDatabase(dbs, async (db) => { … }))`. A passing test's database is released; when
 * the test fails, its database is kept and the error it threw gets a last line with the
 * connection string, which the runner's report prints.
 */
export function withTestDatabase(source: TestDatabasesSource, test: (db: TestDatabase) => unknown): () => Promise<void> {
  return async () => {
    const databases = await resolveSource(source);
    const db = await databases.acquire();
    try {
      await test(db);
    } catch (error) {
      // The test's own error is what the report must show, also when keeping fails.
      const note = await keptError(databases, db).then(
        (kept) => kept.message,
        (failure: unknown) => `Could not keep the test database ${db.name}: ${failure instanceof Error ? failure.message : String(failure)}`,
      );
      throw appendNote(error, note);
    }
    await db.release();
  };
}

async function resolveSource(source: TestDatabasesSource): Promise<TestDatabases> {
  return typeof source === 'function' ? await source() : await source;
}

/** Keeps `db` and describes it: the connection string without a password. */
async function keptError(databases: TestDatabases, db: TestDatabase): Promise<TestDatabasesError> {
  const info = await databases.keep(db);
  const shown = new ConnectionInfo(info.toParameters());
  const password = info.password === undefined ? '' : ' (plus its password, not shown)';
  return new TestDatabasesError('KEPT', `Kept the test database ${db.name} of the failed test: psql "${shown.connectionString()}"${password}`, { database: db.name });
}

/** The thrown value with `note` as a last line of its message (and of its stack, which runners print). */
function appendNote(error: unknown, note: string): unknown {
  if (!(error instanceof Error)) return new TestDatabasesError('KEPT', `${String(error)}\n\n${note}`, { cause: error });
  const original = error.message;
  try {
    error.message = `${original}\n\n${note}`;
    if (typeof error.stack === 'string' && error.stack.includes(original)) error.stack = error.stack.replace(original, error.message);
  } catch {
    return new TestDatabasesError('KEPT', `${original}\n\n${note}`, { cause: error });
  }
  return error;
}
