// The template cache's own files sit in folders the server's OS user owns (as root, `postgres`;
// a SQL superuser of any throwaway cluster can act as that user). What that user puts in their
// place must not block or mislead a reader: a FIFO as template.json or owner.json blocked every
// createTemporaryCluster (and the sweep) for good, since root read it by path.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sweepLeftovers } from '../../../src/throwaway/leftovers.js';
import { readOwnerMarker } from '../../../src/throwaway/owner-marker.js';
import { TemplateCache } from '../../../src/throwaway/template-cache.js';

const scratch = mkdtempSync('/tmp/pgct-template-files-');
chmodSync(scratch, 0o755);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A folder holding `name` as a FIFO, or as a link to a file elsewhere that holds `{}`. */
function folderWith(path: string, name: string, kind: 'fifo' | 'link'): string {
  mkdirSync(path, { recursive: true });
  if (kind === 'fifo') {
    execFileSync('mkfifo', [join(path, name)]);
  } else {
    writeFileSync(join(path, `${name}.elsewhere`), JSON.stringify({ pid: process.pid, startTicks: null, createdAt: '' }));
    symlinkSync(join(path, `${name}.elsewhere`), join(path, name));
  }
  return path;
}

describe('files of the template cache put in place by the server user', () => {
  it('a FIFO or a link as a template.json: list() skips it instead of blocking or reading through', { timeout: 10_000 }, async () => {
    const root = join(scratch, 'list');
    folderWith(join(root, 'templates', '15-fifo'), 'template.json', 'fifo');
    folderWith(join(root, 'templates', '15-link'), 'template.json', 'link');
    expect(await new TemplateCache(root).list()).toEqual([]);
  });

  it('a FIFO as owner.json: no marker, and the sweep goes on', { timeout: 10_000 }, async () => {
    const fifo = folderWith(join(scratch, 'sweep', 'fifo'), 'owner.json', 'fifo');
    expect(await readOwnerMarker(fifo)).toBeNull();
    // Fresh folders without a readable marker: someone's creation in progress, left alone.
    expect((await sweepLeftovers(join(scratch, 'sweep'))).removed).toEqual([]);
  });

  it('a link to a marker elsewhere is not read through', async () => {
    expect(await readOwnerMarker(folderWith(join(scratch, 'linked'), 'owner.json', 'link'))).toBeNull();
  });
});
