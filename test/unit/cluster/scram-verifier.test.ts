import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { applySaslPrep, computeScramVerifier } from '../../../src/cluster/index.js';

/** StoredKey and ServerKey of a verifier, as bytes. */
function keysOf(verifier: string): { iterations: number; salt: string; storedKey: Buffer; serverKey: Buffer } {
  const match = /^SCRAM-SHA-256\$(\d+):([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)$/.exec(verifier);
  if (match === null) throw new Error(`not a verifier: ${verifier}`);
  return { iterations: Number(match[1]), salt: match[2]!, storedKey: Buffer.from(match[3]!, 'base64'), serverKey: Buffer.from(match[4]!, 'base64') };
}

describe('computeScramVerifier', () => {
  // RFC 7677, section 3: user "user", password "pencil", salt W22ZaJ0SNY7soEsUEjb6gQ==, 4096
  // iterations. The RFC gives the exchange, not the keys: a verifier is right when the server
  // signature it yields and the client proof it accepts are the RFC's.
  const clientFirstBare = 'n=user,r=rOprNGfwEbeRWgbNEkqO';
  const serverFirst = 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096';
  const clientFinalWithoutProof = 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0';
  const authMessage = `${clientFirstBare},${serverFirst},${clientFinalWithoutProof}`;

  it('gives the keys of RFC 7677’s exchange (server signature v=6rriTRBi…, client proof p=dHzbZapW…)', () => {
    const verifier = computeScramVerifier('pencil', { salt: Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64') });
    const { iterations, salt, storedKey, serverKey } = keysOf(verifier);
    expect(iterations).toBe(4096);
    expect(salt).toBe('W22ZaJ0SNY7soEsUEjb6gQ==');
    expect(createHmac('sha256', serverKey).update(authMessage).digest('base64')).toBe('6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=');
    // The server's check: ClientKey = proof XOR HMAC(StoredKey, AuthMessage), SHA-256(ClientKey) = StoredKey.
    const proof = Buffer.from('dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=', 'base64');
    const signature = createHmac('sha256', storedKey).update(authMessage).digest();
    const clientKey = Buffer.from(proof.map((byte, i) => byte ^ signature[i]!));
    expect(createHash('sha256').update(clientKey).digest().equals(storedKey)).toBe(true);
  });

  it('uses 4096 iterations and a fresh 16-byte salt by default', () => {
    const first = keysOf(computeScramVerifier('secret'));
    const second = keysOf(computeScramVerifier('secret'));
    expect(first.iterations).toBe(4096);
    expect(Buffer.from(first.salt, 'base64')).toHaveLength(16);
    expect(first.salt).not.toBe(second.salt);
    expect(first.storedKey.equals(second.storedKey)).toBe(false);
    expect(keysOf(computeScramVerifier('secret', { iterations: 10 })).iterations).toBe(10);
  });

  it('hashes the SASLprep form: passwords that prepare alike give the same verifier', () => {
    const salt = Buffer.alloc(16, 7);
    // U+00A0 (no-break space) maps to a space, U+00AD (soft hyphen) to nothing, U+FB01 (ﬁ) NFKC-normalizes to "fi".
    expect(computeScramVerifier('pa\u00a0ss', { salt })).toBe(computeScramVerifier('pa ss', { salt }));
    expect(computeScramVerifier('con\u00adﬁg', { salt })).toBe(computeScramVerifier('config', { salt }));
    // A password SASLprep refuses is hashed as its raw bytes: not the same as its mapped form.
    expect(computeScramVerifier('\u00a0\u0007', { salt })).not.toBe(computeScramVerifier(' \u0007', { salt }));
  });

  it('refuses what no client could send, without echoing it', () => {
    expect(() => computeScramVerifier('')).toThrow('Expected `password` to be a non-empty, well-formed string, got `<redacted>`');
    expect(() => computeScramVerifier('half \ud800 surrogate')).toThrow('got `<redacted>`');
    expect(() => computeScramVerifier('x', { iterations: 0 })).toThrow('Expected `iterations` to be a positive integer, got `0`');
    expect(() => computeScramVerifier('x', { salt: new Uint8Array() })).toThrow('Expected `salt` to be a non-empty Uint8Array');
  });
});

describe('applySaslPrep', () => {
  // RFC 4013, section 3 (examples), with PostgreSQL's reading where it differs.
  it.each([
    ['I\u00adX', 'IX', 'SOFT HYPHEN mapped to nothing'],
    ['user', 'user', 'no transformation'],
    ['USER', 'USER', 'case preserved'],
    ['\u00aa', 'a', 'NFKC'],
    ['\u2168', 'IX', 'NFKC'],
    ['pässwörd', 'pässwörd', 'precomposed letters stay'],
    ['pa\u0308sswo\u0308rd', 'pässwörd', 'combining marks compose (NFKC)'],
    ['pass\u00a0word', 'pass word', 'a non-ASCII space maps to U+0020'],
    ['pass\u200bword', 'pass word', 'U+200B is in C.1.2 and B.1: PostgreSQL maps it to a space'],
    ['\u05d0\u05d1', '\u05d0\u05d1', 'right-to-left only'],
  ])('%j → %j (%s)', (input, output) => {
    expect(applySaslPrep(input)).toBe(output);
  });

  it.each([
    ['\u00e9\u0007', 'an ASCII control character in a non-ASCII string (C.2.1)'],
    ['caf\u00e9\ue000', 'a private-use character (C.3)'],
    ['pass😀', 'a code point unassigned in Unicode 3.2 (A.1)'],
    ['\u0627\u0031', 'RandALCat not last (RFC 4013 example 7)'],
    ['\u05d0a\u05d1', 'RandALCat and LCat together'],
    ['\u00ad\u200c', 'nothing left after mapping'],
  ])('%j is refused: %s', (input) => {
    expect(applySaslPrep(input)).toBeNull();
  });

  it('takes a pure ASCII string as it is, control characters included (as PostgreSQL does)', () => {
    expect(applySaslPrep('\u0007bell')).toBe('\u0007bell');
    expect(applySaslPrep('')).toBe('');
  });

  it('checks prohibition on the mapped characters before normalization, as PostgreSQL does', () => {
    // U+2126 OHM SIGN is assigned in 3.2 and normalizes to U+03A9; U+FB01 normalizes to "fi":
    // both pass. U+0340 (C.8, deprecated) normalizes to U+0300, which is allowed: still refused.
    expect(applySaslPrep('\u2126\u00e9')).toBe('\u03a9\u00e9');
    expect(applySaslPrep('a\u0340')).toBeNull();
  });
});
