// PostgreSQL reads its configuration files (postgresql.conf, pg_hba.conf, pg_ident.conf) as bytes
// and never decodes them. An editor reads a file as UTF-8 when it is valid UTF-8, and otherwise as
// Latin-1, where each byte is one character (U+0000 to U+00FF): either way, writing the text back
// with the same encoding gives the same bytes.

export type TextFileEncoding = 'utf8' | 'latin1';

/** The text of a file's bytes, and the encoding that gives those bytes back. */
export function decodeFileBytes(bytes: Uint8Array): { text: string; encoding: TextFileEncoding } {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const utf8 = buffer.toString('utf8');
  if (Buffer.from(utf8, 'utf8').equals(buffer)) return { text: utf8, encoding: 'utf8' };
  return { text: buffer.toString('latin1'), encoding: 'latin1' };
}

/** The bytes of `text` in `encoding`; check it with `firstUnencodable` first. */
export function encodeFileText(text: string, encoding: TextFileEncoding): Buffer {
  return Buffer.from(text, encoding);
}

/**
 * The first character of `text` that `encoding` cannot hold, or undefined: for Latin-1 anything
 * above U+00FF (which Node would write as the wrong byte), for UTF-8 a lone surrogate (which
 * Node would write as U+FFFD).
 */
export function firstUnencodable(text: string, encoding: TextFileEncoding): string | undefined {
  if (encoding === 'latin1') return /[^\u0000-\u00ff]/u.exec(text)?.[0];
  return /\p{Cs}/u.exec(text)?.[0];
}
