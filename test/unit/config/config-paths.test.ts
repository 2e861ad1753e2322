import { describe, expect, it } from 'vitest';
import { canonicalizeConfigPath, joinConfigPath, locateConfigFile } from '../../../src/config/config-paths.js';

describe('include paths, named as the server names them', () => {
  it('uses an absolute location as written', () => {
    expect(locateConfigFile('/etc//pg/./x.conf', '/data/postgresql.conf', 15)).toBe('/etc//pg/./x.conf');
    expect(locateConfigFile('/etc//pg/./x.conf', '/data/postgresql.conf', 13)).toBe('/etc//pg/./x.conf');
  });

  it('joins a relative location to the including file’s folder and canonicalizes it (15 and later)', () => {
    expect(locateConfigFile('inc/../inc/./x.conf', '/data/postgresql.conf', 15)).toBe('/data/inc/x.conf');
    expect(locateConfigFile('conf.d/', '/data/postgresql.conf', 18)).toBe('/data/conf.d');
    expect(locateConfigFile('../../../x.conf', '/data/postgresql.conf', 15)).toBe('/x.conf');
    expect(locateConfigFile('x.conf', '/postgresql.conf', 15)).toBe('/x.conf');
  });

  it('keeps . and .. inside the path before 15, resolving them only at the end', () => {
    expect(locateConfigFile('inc/../inc/./deep//x.conf', '/data/postgresql.conf', 13)).toBe('/data/inc/../inc/./deep/x.conf');
    expect(canonicalizeConfigPath('/data/inc/sub/..', 13)).toBe('/data/inc');
    expect(canonicalizeConfigPath('/data/inc/.', 13)).toBe('/data/inc');
    expect(canonicalizeConfigPath('/data/a/b/../..', 13)).toBe('/data');
    expect(canonicalizeConfigPath('/..', 13)).toBe('/');
    expect(canonicalizeConfigPath('../..', 13)).toBe('../..');
    expect(canonicalizeConfigPath('a/..', 13)).toBe('.');
    expect(canonicalizeConfigPath('/data//conf.d/', 13)).toBe('/data/conf.d');
  });

  it('joins like join_path_components', () => {
    expect(joinConfigPath('/data', 'x.conf')).toBe('/data/x.conf');
    expect(joinConfigPath('', 'x.conf')).toBe('x.conf');
    expect(joinConfigPath('/data', '')).toBe('/data');
  });
});
