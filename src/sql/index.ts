export { runSql, type RunSqlOptions, type SqlRunResult } from './run-sql.js';
export { loadSql, type LoadSqlOptions, type SqlRunner } from './load-sql.js';
export { SqlFileError, type SqlFileErrorCode, type SqlFileErrorFields } from './sql-file-error.js';
export { scanSql, splitSql, type SqlLexerState, type SqlSegment, type SqlSegmentKind } from './sql-lexer.js';
export { resolveSqlFiles, type ResolveSqlFilesOptions } from './sql-paths.js';
export { MAX_SQL_INCLUDE_DEPTH, type SqlNotice } from './sql-session.js';
export type { SqlTarget } from './sql-target.js';
