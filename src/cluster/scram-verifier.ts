// A SCRAM-SHA-256 password verifier, computed here as libpq's PQencryptPasswordConn (and so
// psql's \password) computes it, so that a password reaches the server only in hashed form:
// `ALTER ROLE … PASSWORD '<verifier>'` puts nothing secret in the server log.
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { expected } from '../errors.js';
import { applySaslPrep } from './saslprep.js';

export interface ScramVerifierOptions {
  /** PBKDF2 iterations; default 4096 (libpq's default, `scram_iterations`). */
  iterations?: number;
  /** The salt; default 16 random bytes, as libpq. Give one only for reproducible tests. */
  salt?: Uint8Array;
}

const DEFAULT_ITERATIONS = 4096;
const SALT_BYTES = 16;

/**
 * `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>` (base64) for `password`, which is
 * SASLprep'ed first (its raw UTF-8 bytes where SASLprep refuses it, as PostgreSQL does).
 * PostgreSQL stores such a string as it is, whatever `password_encryption` says.
 */
export function computeScramVerifier(password: string, options: ScramVerifierOptions = {}): string {
  if (typeof password !== 'string' || password === '' || hasLoneSurrogate(password)) {
    throw expected('password', 'a non-empty, well-formed string', '<redacted>');
  }
  const { iterations = DEFAULT_ITERATIONS, salt = randomBytes(SALT_BYTES) } = options;
  if (!(Number.isInteger(iterations) && iterations >= 1)) throw expected('iterations', 'a positive integer', iterations);
  if (!(salt instanceof Uint8Array) || salt.length === 0) throw expected('salt', 'a non-empty Uint8Array', salt);
  const prepared = applySaslPrep(password) ?? password;
  const saltedPassword = pbkdf2Sync(Buffer.from(prepared, 'utf8'), salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', saltedPassword).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', saltedPassword).update('Server Key').digest();
  const base64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');
  return `SCRAM-SHA-256$${iterations}:${base64(salt)}$${base64(storedKey)}:${base64(serverKey)}`;
}

/** A lone UTF-16 surrogate has no UTF-8 form: the password could never be typed to libpq. */
function hasLoneSurrogate(text: string): boolean {
  return /\p{Surrogate}/u.test(text);
}
