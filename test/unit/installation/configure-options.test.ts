import { describe, expect, it } from 'vitest';
import { parseConfigureOptions, splitShellWords } from '../../../src/installation/index.js';

describe('splitShellWords', () => {
  it.each<[string, string[]]>([
    [`'--prefix=/usr' '--enable-debug'`, ['--prefix=/usr', '--enable-debug']],
    [` '--with-extra-version= (Debian 15.18-0+deb12u1)'`, ['--with-extra-version= (Debian 15.18-0+deb12u1)']],
    [`'CFLAGS=-O2 -g' 'MKDIR_P=/bin/mkdir -p'`, ['CFLAGS=-O2 -g', 'MKDIR_P=/bin/mkdir -p']],
    [`--prefix=/opt/pg --enable-cassert`, ['--prefix=/opt/pg', '--enable-cassert']],
    [`"CFLAGS=-O2 \\"x\\"" a\\ b ''`, ['CFLAGS=-O2 "x"', 'a b', '']],
    [`'--libdir=\${prefix}/lib'`, ['--libdir=${prefix}/lib']],
    [`  `, []],
    [`'unterminated value`, ['unterminated value']],
  ])('splits %j', (text, words) => {
    expect(splitShellWords(text)).toEqual(words);
  });
});

describe('parseConfigureOptions', () => {
  it('normalises long option names: no leading dashes, lower case, `-` to `_`', () => {
    expect(parseConfigureOptions(`'--enable-debug' '--With-LIBXML' '--with-uuid=e2fs'`)).toEqual({
      enable_debug: true,
      with_libxml: true,
      with_uuid: 'e2fs',
    });
  });

  it('keeps quoted values with spaces whole and splits at the first `=` only', () => {
    expect(parseConfigureOptions(`'CFLAGS=-O2 -g -DX=1' '--with-extra-version= (Debian 15.18-0+deb12u1)'`)).toEqual({
      cflags: '-O2 -g -DX=1',
      with_extra_version: ' (Debian 15.18-0+deb12u1)',
    });
  });

  it('lower-cases environment assignments', () => {
    expect(parseConfigureOptions(`'AWK=mawk' 'LLVM_CONFIG=/usr/bin/llvm-config-14' 'build_alias=x86_64-linux-gnu'`)).toEqual({
      awk: 'mawk',
      llvm_config: '/usr/bin/llvm-config-14',
      build_alias: 'x86_64-linux-gnu',
    });
  });

  it('lets the last of a repeated option win', () => {
    const options = parseConfigureOptions(`'--libdir=\${prefix}/lib/x86_64-linux-gnu' '--sysconfdir=/etc' '--libdir=/usr/lib/x86_64-linux-gnu/' '--sysconfdir=/etc/postgresql-common'`);
    expect(options).toEqual({ libdir: '/usr/lib/x86_64-linux-gnu/', sysconfdir: '/etc/postgresql-common' });
  });

  it('gives an empty dictionary for an empty CONFIGURE', () => {
    expect(parseConfigureOptions('')).toEqual({});
  });
});
