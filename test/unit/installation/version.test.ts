import { describe, expect, it } from 'vitest';
import { compareVersions, InstallationInfoError, parseVersion, type VersionInfo } from '../../../src/installation/index.js';

describe('parseVersion', () => {
  it.each<[string, VersionInfo]>([
    ['PostgreSQL 9.0devel', { major: 9, minor: 0, patch: 0, state: 'devel', level: 0 }],
    ['PostgreSQL 9.6.24', { major: 9, minor: 6, patch: 24, state: 'final', level: 0 }],
    ['PostgreSQL 8.4.22', { major: 8, minor: 4, patch: 22, state: 'final', level: 0 }],
    ['PostgreSQL 9.0alpha4', { major: 9, minor: 0, patch: 0, state: 'alpha', level: 4 }],
    ['PostgreSQL 9.4beta1', { major: 9, minor: 4, patch: 0, state: 'beta', level: 1 }],
    ['PostgreSQL 10.23', { major: 10, minor: 23, patch: 0, state: 'final', level: 0 }],
    ['PostgreSQL 15.18', { major: 15, minor: 18, patch: 0, state: 'final', level: 0 }],
    ['PostgreSQL 15.18 (Debian 15.18-0+deb12u1)', { major: 15, minor: 18, patch: 0, state: 'final', level: 0 }],
    ['PostgreSQL 12.3 (Ubuntu 12.3-1.pgdg20.04+1)', { major: 12, minor: 3, patch: 0, state: 'final', level: 0 }],
    ['PostgreSQL 14.10 (Homebrew)', { major: 14, minor: 10, patch: 0, state: 'final', level: 0 }],
    ['PostgreSQL 18.4', { major: 18, minor: 4, patch: 0, state: 'final', level: 0 }],
    ['PostgreSQL 16beta2', { major: 16, minor: 0, patch: 0, state: 'beta', level: 2 }],
    ['PostgreSQL 17rc1', { major: 17, minor: 0, patch: 0, state: 'rc', level: 1 }],
    ['PostgreSQL 18devel', { major: 18, minor: 0, patch: 0, state: 'devel', level: 0 }],
    ['PostgreSQL 16alpha1', { major: 16, minor: 0, patch: 0, state: 'alpha', level: 1 }],
    ['PostgreSQL 16beta2 (Debian 16~beta2-1.pgdg120+1)', { major: 16, minor: 0, patch: 0, state: 'beta', level: 2 }],
  ])('reads %s', (text, info) => {
    expect(parseVersion(text)).toEqual(info);
  });

  it.each(['', '15.18', 'PostgreSQL', 'PostgreSQL x.y', 'EnterpriseDB 15.4'])('refuses %j with a typed error', (text) => {
    const error = (() => {
      try {
        return parseVersion(text);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(InstallationInfoError);
    expect(error).toMatchObject({ code: 'INVALID_INSTALLATION_INFO', key: 'version', value: text });
  });
});

describe('compareVersions', () => {
  it('orders pre-releases before the release and releases by number', () => {
    const ordered = ['PostgreSQL 9.0devel', 'PostgreSQL 9.0alpha4', 'PostgreSQL 9.6.24', 'PostgreSQL 16devel', 'PostgreSQL 16alpha1', 'PostgreSQL 16beta1', 'PostgreSQL 16beta2', 'PostgreSQL 16rc1', 'PostgreSQL 16.0', 'PostgreSQL 16.4', 'PostgreSQL 16.10', 'PostgreSQL 17.0'];
    const shuffled = [...ordered].reverse();
    expect(shuffled.sort((a, b) => compareVersions(parseVersion(a), parseVersion(b)))).toEqual(ordered);
  });
});
