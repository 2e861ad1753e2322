import { describeValue, PgClusterError } from '../errors.js';
import type { TextFileEncoding } from '../fs/text-encoding.js';

const encodingNames: Record<TextFileEncoding, string> = { utf8: 'UTF-8', latin1: 'Latin-1' };

/**
 * Text that the file's encoding cannot hold: a character above U+00FF for a file read as Latin-1
 * (because it is not valid UTF-8), or a lone surrogate. Written anyway, it would change bytes.
 */
export class AuthFileEncodingError extends PgClusterError {
  /** The file, when the document has one. */
  readonly path: string | undefined;
  readonly encoding: TextFileEncoding;
  /** The first character that cannot be written. */
  readonly character: string;

  constructor({ path, encoding, character }: { path: string | undefined; encoding: TextFileEncoding; character: string }) {
    const codePoint = `U+${character.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
    const file = path === undefined ? `a ${encodingNames[encoding]} document` : `${path}, a ${encodingNames[encoding]} file`;
    const hint = encoding === 'latin1' ? ' (the file is not valid UTF-8, so it is read and written as Latin-1 to keep its bytes)' : '';
    super('AUTH_NOT_ENCODABLE', `The text cannot be written to ${file}: ${describeValue(character)} (${codePoint}) has no ${encodingNames[encoding]} form${hint}`);
    this.path = path;
    this.encoding = encoding;
    this.character = character;
  }
}
