// The encodings a configuration file is read and written in: the same rule as every file editor
// here (src/fs/text-encoding.ts), under the names the config layer has always exported.
import { decodeFileBytes, encodeFileText, firstUnencodable, type TextFileEncoding } from '../fs/text-encoding.js';

export type ConfigEncoding = TextFileEncoding;

/** The text of a file's bytes, and the encoding that gives those bytes back. */
export const decodeConfigBytes: (bytes: Uint8Array) => { text: string; encoding: ConfigEncoding } = decodeFileBytes;

/** The bytes of `text` in `encoding`; check it with `firstUnencodable` first. */
export const encodeConfigText: (text: string, encoding: ConfigEncoding) => Buffer = encodeFileText;

export { firstUnencodable };
