/**
 * Why a server failed to start, recognised from its messages. These patterns match the
 * untranslated (C locale) messages: servers pg-cluster starts get `LC_MESSAGES=C` and
 * `-c lc_messages=C`, because the server logs early errors to stderr before any setting
 * (jsonlog included) applies, and a port in use carries no SQLSTATE of its own.
 */
export type StartupFailureCode =
  | 'PORT_IN_USE'
  | 'LOCK_FILE_EXISTS'
  | 'LOCALE_MISSING'
  | 'INVALID_SETTING'
  | 'SHARED_MEMORY'
  | 'SOCKET_PATH_TOO_LONG'
  | 'PERMISSIONS'
  | 'NOT_A_DATA_DIRECTORY'
  | 'VERSION_MISMATCH'
  | 'RUN_AS_ROOT'
  | 'STARTUP_FAILED';

// Order matters: the first match wins, specific before general.
const patterns: ReadonlyArray<[StartupFailureCode, RegExp]> = [
  ['SOCKET_PATH_TOO_LONG', /Unix-domain socket path ".*" is too long/],
  ['PORT_IN_USE', /could not bind .*: Address already in use|Is another postmaster already running on port/],
  // "is empty": another server is writing its lock file at this very moment.
  ['LOCK_FILE_EXISTS', /lock file ".*" (?:already exists|is empty)|Is another postgres \(PID \d+\) running in data directory/],
  ['LOCALE_MISSING', /invalid value for parameter "lc_\w+"|locale ".*" is not supported|could not (?:find|set) locale|invalid locale/i],
  [
    'INVALID_SETTING',
    /unrecognized configuration parameter|invalid value for parameter|parameter ".*" requires an? \w+ value|is outside the valid range for parameter|configuration file ".*" contains errors|--\S+ requires a value|invalid argument for option/,
  ],
  ['SHARED_MEMORY', /shared memory segment|could not map anonymous shared memory|pre-existing shared memory block|could not create semaphores|No space left on device/],
  ['RUN_AS_ROOT', /"root" execution of the PostgreSQL server is not permitted/],
  ['VERSION_MISMATCH', /database files are incompatible with server/],
  ['NOT_A_DATA_DIRECTORY', /is not a valid data directory|could not (?:access|find) (?:directory|the database system)|No such file or directory/],
  ['PERMISSIONS', /Permission denied|has invalid permissions|has wrong ownership|Operation not permitted/],
];

/** Classifies a server's startup failure from its log or stderr text (C locale). */
export function classifyStartupFailure(text: string): StartupFailureCode {
  for (const [code, pattern] of patterns) if (pattern.test(text)) return code;
  return 'STARTUP_FAILED';
}

/** The last `maxLines` non-empty lines of a log, for error messages. */
export function lastLines(text: string, maxLines = 20): string {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .slice(-maxLines)
    .join('\n');
}
