import { describe, expect, it } from 'vitest';
import { classifyStartupFailure, lastLines } from '../../../src/control/index.js';

// Messages as PostgreSQL prints them in the C locale (postmaster.c, miscinit.c, guc.c, pqcomm.c).
const cases: Array<[string, string]> = [
  ['LOG:  could not bind IPv4 address "127.0.0.1": Address already in use\nHINT:  Is another postmaster already running on port 5432? If not, wait a few seconds and retry.\nFATAL:  could not create any TCP/IP sockets', 'PORT_IN_USE'],
  ['FATAL:  lock file "postmaster.pid" already exists\nHINT:  Is another postmaster (PID 123) running in data directory "/d"?', 'LOCK_FILE_EXISTS'],
  ['FATAL:  lock file "postmaster.pid" is empty\nHINT:  Either another server is starting, or the lock file is the remnant of a previous server startup crash.', 'LOCK_FILE_EXISTS'],
  ['FATAL:  invalid value for parameter "lc_messages": "xx_YY.UTF-8"', 'LOCALE_MISSING'],
  ['FATAL:  unrecognized configuration parameter "no_such_thing"', 'INVALID_SETTING'],
  ['FATAL:  invalid value for parameter "shared_buffers": "lots"', 'INVALID_SETTING'],
  ['FATAL:  configuration file "/d/postgresql.conf" contains errors', 'INVALID_SETTING'],
  ['FATAL:  could not map anonymous shared memory: Cannot allocate memory', 'SHARED_MEMORY'],
  ['FATAL:  pre-existing shared memory block (key 5432001, ID 3) is still in use', 'SHARED_MEMORY'],
  ['LOG:  Unix-domain socket path "/very/long/.s.PGSQL.5432" is too long (maximum 107 bytes)', 'SOCKET_PATH_TOO_LONG'],
  ['FATAL:  data directory "/d" has invalid permissions\nDETAIL:  Permissions should be u=rwx (0700) or u=rwx,g=rx (0750).', 'PERMISSIONS'],
  ['FATAL:  could not open file "postmaster.pid": Permission denied', 'PERMISSIONS'],
  ['FATAL:  could not create lock file "/sock/.s.PGSQL.5432.lock": Permission denied', 'PERMISSIONS'],
  ['"root" execution of the PostgreSQL server is not permitted.', 'RUN_AS_ROOT'],
  ['FATAL:  database files are incompatible with server\nDETAIL:  The data directory was initialized by PostgreSQL version 13, which is not compatible with this version 15.18.', 'VERSION_MISMATCH'],
  ['postgres: could not access directory "/nope": No such file or directory', 'NOT_A_DATA_DIRECTORY'],
  ['FATAL:  "/tmp" is not a valid data directory', 'NOT_A_DATA_DIRECTORY'],
  ['LOG:  something nobody expected', 'STARTUP_FAILED'],
  ['', 'STARTUP_FAILED'],
];

describe('classifyStartupFailure', () => {
  it.each(cases)('%s → %s', (text, code) => {
    expect(classifyStartupFailure(text)).toBe(code);
  });
});

describe('lastLines', () => {
  it('keeps the last non-empty lines', () => {
    expect(lastLines('a\n\nb\nc\n\n', 2)).toBe('b\nc');
  });
});
