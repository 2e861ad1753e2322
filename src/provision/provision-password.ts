import { randomBytes } from 'node:crypto';
import { computeScramVerifier } from '../cluster/scram-verifier.js';

/** 32 characters of base64url: 192 bits from the system's CSPRNG. */
export function generatePassword(): string {
  return randomBytes(24).toString('base64url');
}

/**
 * Whether `verifier` (a role's `pg_authid.rolpassword`) is the SCRAM-SHA-256 verifier of
 * `password`: recomputed client-side with its salt and iterations. An MD5 hash, a clear-text or
 * missing password never matches (provision then sets a SCRAM verifier).
 */
export function isVerifierOf(verifier: string | null, password: string): boolean {
  const match = verifier === null ? null : /^SCRAM-SHA-256\$(\d+):([^$]+)\$/.exec(verifier);
  if (match === null) return false;
  const salt = Buffer.from(match[2]!, 'base64');
  if (salt.length === 0) return false;
  return computeScramVerifier(password, { iterations: Number(match[1]), salt }) === verifier;
}
