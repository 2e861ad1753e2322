import { describeValue, PgClusterError } from '../errors.js';
import type { ConfigEncoding } from './config-encoding.js';

const encodingNames: Record<ConfigEncoding, string> = { utf8: 'UTF-8', latin1: 'Latin-1' };

/**
 * Text that the file's encoding cannot hold: a character above U+00FF for a file read as Latin-1
 * (because it is not valid UTF-8), or a lone surrogate. Written anyway, it would change bytes.
 */
export class ConfigEncodingError extends PgClusterError {
  /** The file, when the document has one. */
  readonly path: string | undefined;
  readonly encoding: ConfigEncoding;
  /** The setting whose name or value holds the character (undefined for `parse`). */
  readonly settingName: string | undefined;
  /** The first character that cannot be written. */
  readonly character: string;

  constructor({ path, encoding, settingName, character }: { path: string | undefined; encoding: ConfigEncoding; settingName: string | undefined; character: string }) {
    const codePoint = `U+${character.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
    const subject = settingName === undefined ? 'The text' : `\`${settingName}\``;
    const file = path === undefined ? `a ${encodingNames[encoding]} document` : `${path}, a ${encodingNames[encoding]} file`;
    const hint = encoding === 'latin1' ? ' (the file is not valid UTF-8, so it is read and written as Latin-1 to keep its bytes)' : '';
    super('CONFIG_NOT_ENCODABLE', `${subject} cannot be written to ${file}: ${describeValue(character)} (${codePoint}) has no ${encodingNames[encoding]} form${hint}`);
    this.path = path;
    this.encoding = encoding;
    this.settingName = settingName;
    this.character = character;
  }
}
