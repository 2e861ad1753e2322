import { join } from 'node:path';
import { CertificateError } from './certificate-error.js';
import { CommandError } from './command-error.js';
import { runCommand } from './run-command.js';
import type { RunAsUser } from './run-as.js';
import { userCommand } from './user-command.js';

export interface SelfSignedCertificate {
  /** `<directory>/server.crt`: the certificate (PEM), for `ssl_cert_file`. */
  certFile: string;
  /** `<directory>/server.key`: its private key (PEM, mode 0600), for `ssl_key_file`. */
  keyFile: string;
}

export interface SelfSignedCertificateOptions {
  /** The OS user who owns the files (the server's user, when root runs this); `null`: this process's user. */
  user?: RunAsUser | null;
  /** The certificate's common name and DNS name. Default `localhost` (with 127.0.0.1 and ::1 as IP names). */
  commonName?: string;
  /** Days the certificate is valid. Default 30. */
  days?: number;
  timeout?: number;
  signal?: AbortSignal;
}

/**
 * Writes a self-signed certificate and its key (P-256) into `directory` with `openssl req
 * -x509`, run as `user` with umask 077: both files belong to that user, the key has mode 0600
 * (PostgreSQL refuses a key others can read), and root never writes into a folder that user
 * controls. Rejects with a {@link CertificateError}: `OPENSSL_NOT_FOUND` when `openssl` is not on
 * PATH, `CERTIFICATE_FAILED` when it fails.
 */
export async function writeSelfSignedCertificate(directory: string, options: SelfSignedCertificateOptions = {}): Promise<SelfSignedCertificate> {
  const { user = null, commonName = 'localhost', days = 30, timeout = 30_000, signal } = options;
  const certFile = join(directory, 'server.crt');
  const keyFile = join(directory, 'server.key');
  const args = [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', keyFile, '-out', certFile, '-days', String(days), '-subj', `/CN=${commonName}`,
    '-addext', `subjectAltName=DNS:${commonName},IP:127.0.0.1,IP:::1`,
  ];
  // sh sets the umask, then becomes openssl: the key is never readable by others, not even for a moment.
  const command = userCommand('/bin/sh', ['-c', 'umask 077 && command -v openssl >/dev/null || exit 127; exec openssl "$@"', 'sh', ...args], user);
  try {
    await runCommand(command.file, command.args, {
      timeout,
      ...(signal !== undefined ? { signal } : {}),
      ...(command.uid !== undefined ? { uid: command.uid, gid: command.gid! } : {}),
    });
  } catch (error) {
    if (error instanceof CommandError && error.exitCode === 127) {
      throw new CertificateError('OPENSSL_NOT_FOUND', 'No `openssl` program on PATH to make a self-signed certificate with: install OpenSSL (Debian: apt-get install openssl)', directory, { cause: error });
    }
    if (error instanceof CommandError) {
      throw new CertificateError('CERTIFICATE_FAILED', `openssl could not make a self-signed certificate in ${directory}: ${error.stderrTail.trim() || error.message}`, directory, { cause: error });
    }
    throw error;
  }
  return { certFile, keyFile };
}
