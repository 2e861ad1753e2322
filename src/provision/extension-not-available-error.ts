import { PgClusterError } from '../errors.js';

/** `provision` was asked for an extension the installation does not ship (nothing was created). */
export class ExtensionNotAvailableError extends PgClusterError {
  /** The extensions asked for that the server does not have. */
  readonly missing: string[];
  /** What the server has (`pg_available_extensions.name`), sorted. */
  readonly available: string[];

  constructor(missing: string[], available: string[]) {
    super(
      'EXTENSION_NOT_AVAILABLE',
      `The server has no extension ${missing.map((name) => JSON.stringify(name)).join(', ')}; available: ${available.join(', ') || '(none)'}`,
    );
    this.missing = missing;
    this.available = available;
  }
}
