import { PgClusterError } from '../errors.js';

/**
 * A self-signed certificate could not be made: `OPENSSL_NOT_FOUND` when there is no `openssl`
 * program on PATH, `CERTIFICATE_FAILED` when it ran and failed (its stderr tail is in the message).
 */
export class CertificateError extends PgClusterError {
  declare readonly code: 'OPENSSL_NOT_FOUND' | 'CERTIFICATE_FAILED';
  /** The folder the certificate and key were to be written to. */
  readonly directory: string;

  constructor(code: 'OPENSSL_NOT_FOUND' | 'CERTIFICATE_FAILED', message: string, directory: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.directory = directory;
  }
}
