import { createHash, randomBytes } from 'node:crypto';
import { readdir, realpath, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { InitOptions } from '../cluster/index.js';
import { Cluster } from '../cluster/index.js';
import { ensureOwned, removeTree, resolveRunAs, type ProgressListener } from '../control/index.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { readFileNoFollow } from '../fs/regular-file.js';
import type { Installation } from '../installation/index.js';
import { sweepLeftovers } from './leftovers.js';
import { slimTemplate } from './slim-template.js';
import { writeLeanSettings } from './lean-settings.js';
import { TemporaryClusterError } from './temporary-cluster-error.js';
import { isOwnerAlive, readOwnerMarker, writeOwnerMarker } from './owner-marker.js';
import { ensurePrivateDirectory } from './throwaway-root.js';

/** The init options a template is built with: everything of Cluster.init that shapes the files. */
export type TemplateInitOptions = Omit<InitOptions, 'password' | 'waldir' | 'timeout' | 'signal' | 'onProgress'>;

/** How long to wait for another process's build of the same template before building one too. */
const BUILDER_WAIT_MS = 60_000;

/** A template folder without a readable template.json is pruned only once it is this old. */
const UNREADABLE_GRACE_MS = 60_000;

/** Builds running in this process, by template folder. */
const buildsInFlight = new Map<string, Promise<Template>>();

/** Bumped when the layout or the build steps of a template change: older templates are then ignored (and pruned). */
const TEMPLATE_FORMAT = 4;

/** What a template's `template.json` holds. */
export interface TemplateInfo {
  format: number;
  key: string;
  fingerprint: string;
  version: string;
  major: number;
  initOptions: TemplateInitOptions;
  /** Whether the template has `template0` (see {@link TemplateRequest.keepTemplate0}). */
  template0: boolean;
  /** The `postgres` binary it was built with (real path), its size and modification time then. */
  postgres: { path: string | null; size: number | null; mtimeMs: number | null };
  createdAt: string;
}

/** A template removed by {@link TemplateCache.prune} or after a build superseded it, and why. */
export interface PrunedTemplate {
  key: string;
  reason: 'superseded' | 'installation-gone' | 'installation-changed' | 'old-format' | 'unreadable';
}

/** A ready template: a data directory initialized once, to be copied by each new cluster. */
export interface Template {
  key: string;
  /** `<cache>/<key>/data`: never started as a server (only the single-user run of slimTemplate), never written to after it is in place. */
  dataDirectory: string;
  info: TemplateInfo;
  /** False when this call ran initdb; true when a cached template was used. */
  wasCached: boolean;
}

export interface TemplateRequest {
  /**
   * Keep `template0` in the template (part of the key: another template). Default false: the
   * template is slimmed without it (see slimTemplate), and `CREATE DATABASE … TEMPLATE
   * template0` in its copies fails with the server's error 3D000.
   */
  keepTemplate0?: boolean;
  /** `runAs` of the Cluster that builds it (root only; default `postgres`). */
  runAs?: string | null;
  timeout?: number;
  signal?: AbortSignal;
  /** Told when a template is built (`step: 'template'`, then initdb's `step: 'initdb'`); not called for a cached one. */
  onProgress?: ProgressListener;
}

/**
 * initdb once per (installation, init options), copies ever after. Templates live in
 * `<root>/templates/<major>-<hash>/` where the hash covers the installation's fingerprint and
 * the init options, so a changed installation (an upgrade, another build) gets a new template
 * and never reuses an old one. A template is built in a folder beside its final place and
 * renamed into place: a reader sees all of it or nothing. A process that finds another live
 * process building the same template waits for it instead of running initdb too; when two
 * start at the same moment anyway, the first rename wins and the other discards its build (no
 * lock to leak when a process is killed: a builder's folder names its owner). `.build-*` folders of dead builders are removed by the next build.
 */
export class TemplateCache {
  /** `<root>/templates`. */
  readonly directory: string;

  constructor(root: string) {
    this.directory = join(root, 'templates');
  }

  /** The cache key: `<major>-<first 16 hex digits of sha256(format, fingerprint, options, template0)>`. */
  async keyOf(installation: Installation, initOptions: TemplateInitOptions, request: Pick<TemplateRequest, 'keepTemplate0'> = {}): Promise<string> {
    const fingerprint = await installation.fingerprint();
    return keyFor(installation.versionInfo.major, fingerprint, initOptions, request.keepTemplate0 === true);
  }

  /** The template for `installation` and `initOptions`, built when missing. */
  async get(installation: Installation, initOptions: TemplateInitOptions, request: TemplateRequest = {}): Promise<Template> {
    const fingerprint = await installation.fingerprint();
    const key = keyFor(installation.versionInfo.major, fingerprint, initOptions, request.keepTemplate0 === true);
    const found = await this.#read(key, fingerprint);
    if (found !== null) return { ...found, wasCached: true };
    // Calls in this process that want the same template share one build.
    const id = join(this.directory, key);
    const inFlight = buildsInFlight.get(id);
    if (inFlight !== undefined) {
      const shared = await inFlight.catch(() => null);
      if (shared !== null) return { ...shared, wasCached: true };
    }
    const build = this.#build(installation, initOptions, request, key, fingerprint);
    buildsInFlight.set(id, build);
    try {
      return await build;
    } finally {
      if (buildsInFlight.get(id) === build) buildsInFlight.delete(id);
    }
  }

  async #build(installation: Installation, initOptions: TemplateInitOptions, request: TemplateRequest, key: string, fingerprint: string): Promise<Template> {
    await ensurePrivateDirectory(this.directory, { shared: process.getuid?.() === 0 });
    await sweepLeftovers(this.directory, { only: (name) => name.startsWith('.build-') });
    // Another live process already building this template: wait for it rather than run a
    // second initdb (parallel test workers on a cold cache). If it dies, build our own.
    const waited = await this.#awaitOtherBuilder(key, fingerprint, request.signal);
    if (waited !== null) return { ...waited, wasCached: true };
    const build = join(this.directory, `.build-${key}-${process.pid}-${randomBytes(4).toString('hex')}`);
    request.onProgress?.({ step: 'template', message: `building the template ${key} (initdb, once per installation and options)` });
    const user = await resolveRunAs(request.runAs);
    await ensureOwned(build, user, { mode: 0o700 });
    try {
      await writeOwnerMarker(build);
      const cluster = new Cluster(installation, join(build, 'data'), request.runAs === undefined ? {} : { runAs: request.runAs });
      await cluster.init({
        ...initOptions,
        ...(request.timeout !== undefined ? { timeout: request.timeout } : {}),
        ...(request.signal !== undefined ? { signal: request.signal } : {}),
        ...(request.onProgress !== undefined ? { onProgress: request.onProgress } : {}),
      });
      await writeLeanSettings(cluster);
      await slimTemplate(cluster.dataDirectory, {
        postgres: cluster.daemonPath ?? 'postgres',
        user,
        keepTemplate0: request.keepTemplate0 === true,
        ...(request.timeout !== undefined ? { timeout: request.timeout } : {}),
        ...(request.signal !== undefined ? { signal: request.signal } : {}),
      });
      const info: TemplateInfo = {
        format: TEMPLATE_FORMAT,
        key,
        fingerprint,
        version: installation.version,
        major: installation.versionInfo.major,
        initOptions,
        template0: request.keepTemplate0 === true,
        postgres: await binaryState(installation.paths.postgres),
        createdAt: new Date().toISOString(),
      };
      // The build folder is the server's user's by now: never write through a link planted there.
      await writeFileAtomic(join(build, 'template.json'), `${JSON.stringify(info, null, 2)}\n`, { mode: 0o644 });
      await this.#putInPlace(build, key, fingerprint);
      // The installation at this path changed (an upgrade): its older templates can never be used again.
      await this.#remove(await this.#superseded(info));
    } finally {
      await removeTree(build);
    }
    const built = await this.#read(key, fingerprint);
    if (built === null) {
      throw new TemporaryClusterError('TEMPLATE_INVALID', `The template ${key} was not in place after it was built (removed by someone else?)`, { path: join(this.directory, key) });
    }
    return { ...built, wasCached: false };
  }

  /** Removes every template (and abandoned builds). Clusters already copied are not affected. */
  async clear(): Promise<void> {
    await removeTree(this.directory);
  }

  /**
   * Removes the templates that can no longer be used: those whose `postgres` binary is gone or
   * has changed since (an upgrade or a rebuild of the installation), those of an older cache
   * format, and folders without a readable `template.json` (older than a minute, so a template
   * being put in place is left alone). A build already removes the templates it supersedes;
   * this also covers installations removed from the machine, and removes what a killed process
   * left half-way (`.stale-*` folders, `.build-*` folders of dead builders). Clusters already
   * copied are not affected. Resolves to the templates it removed.
   */
  async prune(): Promise<PrunedTemplate[]> {
    const all = await readdir(this.directory).catch(() => [] as string[]);
    // What a killed process left half-way: a template moved aside to be removed, a build of a dead builder.
    for (const name of all.filter((entry) => /^\.stale-[A-Za-z0-9-]+$/.test(entry))) await removeTree(join(this.directory, name));
    if (all.some((name) => name.startsWith('.build-'))) await sweepLeftovers(this.directory, { only: (name) => name.startsWith('.build-') });
    const names = all.filter((name) => !name.startsWith('.'));
    const doomed: PrunedTemplate[] = [];
    for (const key of names) {
      const info = await readInfo(join(this.directory, key));
      if (info === null) {
        const since = await stat(join(this.directory, key)).catch(() => null);
        if (since !== null && Date.now() - since.mtimeMs > UNREADABLE_GRACE_MS) doomed.push({ key, reason: 'unreadable' });
      } else if (info.format !== TEMPLATE_FORMAT || typeof info.postgres !== 'object' || info.postgres === null) {
        doomed.push({ key, reason: 'old-format' });
      } else if (info.postgres.path !== null) {
        const now = await binaryState(info.postgres.path);
        if (now.size === null) doomed.push({ key, reason: 'installation-gone' });
        else if (now.size !== info.postgres.size || now.mtimeMs !== info.postgres.mtimeMs) doomed.push({ key, reason: 'installation-changed' });
      }
    }
    await this.#remove(doomed);
    return doomed;
  }

  /** Templates of the same `postgres` path and init options as `info`, built by an earlier state of it. */
  async #superseded(info: TemplateInfo): Promise<PrunedTemplate[]> {
    if (info.postgres.path === null) return [];
    const options = JSON.stringify(canonical(info.initOptions));
    // Only an earlier state of the very binary (another size or modification time): two
    // descriptions of one installation (pg_config and a bin directory) must not evict each other.
    const others = (await this.list()).filter(
      (other) =>
        other.key !== info.key &&
        other.format === TEMPLATE_FORMAT &&
        other.postgres?.path === info.postgres.path &&
        other.template0 === info.template0 &&
        (other.postgres.size !== info.postgres.size || other.postgres.mtimeMs !== info.postgres.mtimeMs) &&
        JSON.stringify(canonical(other.initOptions)) === options,
    );
    return others.map((other) => ({ key: other.key, reason: 'superseded' }));
  }

  async #remove(templates: readonly PrunedTemplate[]): Promise<void> {
    for (const { key } of templates) await this.#discard(key);
  }

  /** Moves the template `key` aside (a reader then no longer finds it) and removes it. */
  async #discard(key: string): Promise<void> {
    if (key === '' || key.includes('/') || key.startsWith('.')) return;
    const stale = join(this.directory, `.stale-${key}-${process.pid}-${randomBytes(4).toString('hex')}`);
    if (await rename(join(this.directory, key), stale).then(() => true, () => false)) await removeTree(stale);
  }

  /** The templates in the cache. */
  async list(): Promise<TemplateInfo[]> {
    const names = await readdir(this.directory).catch(() => [] as string[]);
    const infos = await Promise.all(names.filter((name) => !name.startsWith('.')).map((name) => readInfo(join(this.directory, name))));
    return infos.filter((info): info is TemplateInfo => info !== null);
  }

  async #awaitOtherBuilder(key: string, fingerprint: string, signal: AbortSignal | undefined): Promise<Omit<Template, 'wasCached'> | null> {
    const prefix = `.build-${key}-`;
    const deadline = Date.now() + BUILDER_WAIT_MS;
    for (;;) {
      const builders = (await readdir(this.directory).catch(() => [] as string[])).filter((name) => name.startsWith(prefix));
      const markers = await Promise.all(builders.map((name) => readOwnerMarker(join(this.directory, name))));
      if (!markers.some((marker) => marker !== null && marker.pid !== process.pid && isOwnerAlive(marker))) return null;
      await new Promise((resolve) => setTimeout(resolve, 25));
      signal?.throwIfAborted();
      const found = await this.#read(key, fingerprint);
      if (found !== null) return found;
      if (Date.now() > deadline) return null;
    }
  }

  /**
   * Renames the finished build to `<key>`. When a folder is already there: a valid template
   * (another process was first) wins and ours is discarded; an invalid one (half-removed, of an
   * older format, or of another installation) is moved aside and removed, and ours takes its place.
   */
  async #putInPlace(build: string, key: string, fingerprint: string): Promise<void> {
    const target = join(this.directory, key);
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await rename(build, target);
        return;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
      }
      if ((await this.#read(key, fingerprint)) !== null) return;
      await this.#discard(key);
    }
  }

  async #read(key: string, fingerprint: string): Promise<Omit<Template, 'wasCached'> | null> {
    const folder = join(this.directory, key);
    const info = await readInfo(folder);
    if (info === null || info.format !== TEMPLATE_FORMAT || info.fingerprint !== fingerprint) return null;
    const version = await stat(join(folder, 'data', 'PG_VERSION')).catch(() => null);
    if (version === null) return null;
    return { key, dataDirectory: join(folder, 'data'), info };
  }
}

async function readInfo(folder: string): Promise<TemplateInfo | null> {
  try {
    // A regular file only: the template folder is the server's user's (a FIFO there blocked every reader).
    return JSON.parse((await readFileNoFollow(join(folder, 'template.json'))).toString('utf8')) as TemplateInfo;
  } catch {
    return null;
  }
}

/** The real path, size and modification time of a binary (nulls when it is not there). */
async function binaryState(path: string | null): Promise<TemplateInfo['postgres']> {
  if (path === null) return { path: null, size: null, mtimeMs: null };
  const real = await realpath(path).catch(() => path);
  const stats = await stat(real).catch(() => null);
  return { path: real, size: stats?.size ?? null, mtimeMs: stats?.mtimeMs ?? null };
}

function keyFor(major: number, fingerprint: string, initOptions: TemplateInitOptions, keepTemplate0: boolean): string {
  const hash = createHash('sha256').update(JSON.stringify([TEMPLATE_FORMAT, fingerprint, canonical(initOptions), keepTemplate0])).digest('hex');
  return `${major}-${hash.slice(0, 16)}`;
}

/** The options with sorted keys and no undefined values, so equal options give equal keys. */
function canonical(options: TemplateInitOptions): [string, unknown][] {
  return Object.entries(options)
    .filter(([, value]) => value !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
