// While a template is built, its `.build-*` folder is the server's OS user's (initdb runs as
// that user in it), and the templates folder lists it to everyone. That user (any SQL superuser
// of another throwaway cluster, through COPY … TO PROGRAM) can plant a link as template.json:
// root then wrote the template's JSON through it, over any file of root's.
import { chmodSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTree } from '../../../src/control/index.js';
import { SymlinkedFileError } from '../../../src/fs/symlinked-file-error.js';
import { Installation } from '../../../src/installation/index.js';
import { defaultInitOptions, TemplateCache } from '../../../src/throwaway/index.js';
import { systemBindir } from '../../helpers/scratch-server.js';
import { isRoot, makeVictim, runAsServerUser } from '../../helpers/server-user.js';

// Made when a test runs (root only): a run as a normal user, where every test skips, leaves nothing.
let scratch: string;
let installation: Installation;

beforeAll(async () => {
  scratch = mkdtempSync('/tmp/pgct-template-links-');
  chmodSync(scratch, 0o755);
  installation = await Installation.fromPgConfig(join(systemBindir(), 'pg_config'));
});
afterAll(async () => {
  if (scratch !== undefined) await removeTree(scratch);
});

/** Waits for a `.build-*` folder that the server's user owns, then links its template.json to `target` as that user. */
async function plantWhenBuilding(templates: string, target: string, signal: AbortSignal): Promise<boolean> {
  while (!signal.aborted) {
    const build = (() => {
      try {
        return readdirSync(templates).find((name) => name.startsWith('.build-'));
      } catch {
        return undefined;
      }
    })();
    if (build !== undefined) {
      const folder = join(templates, build);
      try {
        if (statSync(folder).uid !== 0) {
          runAsServerUser('ln', ['-s', target, join(folder, 'template.json')]);
          return true;
        }
      } catch {
        // not handed over yet, or gone: look again
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  return false;
}

describe('TemplateCache build as root', () => {
  it.skipIf(!isRoot)('template.json planted as a link to a root-owned file by the server user: the file is untouched, the build refused (root only: the boundary)', { timeout: 60_000 }, async () => {
    const victim = makeVictim();
    try {
      const root = join(scratch, 'root');
      const cache = new TemplateCache(root);
      const stop = new AbortController();
      const planted = plantWhenBuilding(cache.directory, victim.file, stop.signal);
      const built = cache.get(installation, defaultInitOptions()).then(
        () => null,
        (error: unknown) => error,
      );
      const error = await built;
      stop.abort();
      expect(await planted).toBe(true);
      expect(readFileSync(victim.file, 'utf8')).toBe('keep me\n');
      expect(statSync(victim.file).uid).toBe(0);
      expect(error).toBeInstanceOf(SymlinkedFileError);
      expect((error as SymlinkedFileError).code).toBe('FILE_IS_SYMLINK');
      // The failed build left nothing behind.
      expect(readdirSync(cache.directory).filter((name) => name.startsWith('.build-'))).toEqual([]);
    } finally {
      victim.cleanup();
    }
  });
});
