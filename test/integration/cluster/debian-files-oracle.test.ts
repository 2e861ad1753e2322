// parseDebianConfFile against postgresql-common itself: PgCommon.pm's read_conf_file reads the
// same texts (through perl), and both must agree, or both refuse.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDebianConfFile } from '../../../src/cluster/index.js';

const hasPgCommon = existsSync('/usr/share/perl5/PgCommon.pm');

function perlReads(path: string): Record<string, string> | 'error' {
  try {
    const out = execFileSync('perl', ['-MPgCommon', '-MJSON::PP', '-e', 'my %c = PgCommon::read_conf_file($ARGV[0]); print JSON::PP->new->canonical->encode(\\%c)', path], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return JSON.parse(out) as Record<string, string>;
  } catch {
    return 'error';
  }
}

const texts = [
  "TZ = 'Europe/Berlin'\nPGTZ=UTC\n",
  "# comment\n\n  LANG = 'C.UTF-8' # trailing\n",
  "QUOTED = 'it''s \\\\'here\\\\''\n",
  'A=/etc/x\n',
  'A = $(rm -rf /)\n',
  'SIMPLE = v1.2:3/4+5-6\n',
  'NEG = -12\n',
  "Mixed_Case = 'kept'\n",
  'two words\n',
];

describe.skipIf(!hasPgCommon)("parseDebianConfFile reads as PgCommon.pm's read_conf_file (needs postgresql-common)", () => {
  it.each(texts)('%j', (text) => {
    const folder = mkdtempSync(join(tmpdir(), 'pgct-debfile-'));
    try {
      for (const name of ['environment', 'pg_ctl.conf']) {
        const path = join(folder, name);
        writeFileSync(path, text);
        const expected = perlReads(path);
        let ours: Record<string, string> | 'error';
        try {
          ours = parseDebianConfFile(text, path);
        } catch {
          ours = 'error';
        }
        expect(ours, name).toEqual(expected);
      }
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
