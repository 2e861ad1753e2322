export { createTestDatabases, type TestDatabasesOptions } from './create-test-databases.js';
export { TestDatabases, type TestDatabasesStats } from './test-databases.js';
export { TestDatabase, type TestDatabaseState } from './test-database.js';
export { TestDatabasesError, type TestDatabasesErrorCode } from './test-databases-error.js';
export { type MigrateFunction } from './migrated-template.js';
export { defaultCacheDirectory } from './cache-directory.js';
export { testDatabaseFixture, withTestDatabase, type TestDatabasesSource, type VitestFixtureContext } from './test-database-fixtures.js';
