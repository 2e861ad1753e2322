// The public API of pg-cluster: named exports only.
export { PgClusterError, InvalidArgumentError } from './errors.js';
export { SymlinkedFileError } from './fs/symlinked-file-error.js';
export { UnsafeFileError } from './fs/unsafe-file-error.js';
export type { LinkedFileAccess, SymlinkOptions } from './fs/regular-file.js';
export * from './control/index.js';
export * from './installation/index.js';
export * from './config/index.js';
export * from './hba/index.js';
export * from './cluster/index.js';
export * from './throwaway/index.js';
export * from './provision/index.js';
export * from './replication/index.js';
export * from './sql/index.js';
export * from './test-databases/index.js';
