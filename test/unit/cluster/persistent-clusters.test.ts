import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../src/errors.js';
import { isPersistentClusterName, persistentClusterPath, persistentClustersDirectory } from '../../../src/index.js';

describe('persistentClustersDirectory', () => {
  it('$XDG_DATA_HOME/pg-cluster/clusters when it is absolute, else ~/.local/share/pg-cluster/clusters', () => {
    expect(persistentClustersDirectory({ env: { XDG_DATA_HOME: '/data/me' }, home: '/home/me' })).toBe('/data/me/pg-cluster/clusters');
    expect(persistentClustersDirectory({ env: {}, home: '/home/me' })).toBe('/home/me/.local/share/pg-cluster/clusters');
    // The XDG specification: a relative path is invalid and ignored.
    expect(persistentClustersDirectory({ env: { XDG_DATA_HOME: 'relative' }, home: '/home/me' })).toBe('/home/me/.local/share/pg-cluster/clusters');
    expect(persistentClustersDirectory({ env: { XDG_DATA_HOME: '' }, home: '/home/me' })).toBe('/home/me/.local/share/pg-cluster/clusters');
  });
});

describe('persistentClusterPath', () => {
  it('a name is one folder below', () => {
    expect(persistentClusterPath('app', { env: {}, home: '/home/me' })).toBe('/home/me/.local/share/pg-cluster/clusters/app');
    expect(persistentClusterPath('app-2.test_x', { env: { XDG_DATA_HOME: '/x' } })).toBe('/x/pg-cluster/clusters/app-2.test_x');
  });

  it.each(['', '.', '..', '../etc', 'a/b', '.hidden', '-rf', 'a b', 'x'.repeat(65), 'é'])('refuses %j', (name) => {
    expect(isPersistentClusterName(name)).toBe(false);
    expect(() => persistentClusterPath(name)).toThrow(InvalidArgumentError);
    expect(() => persistentClusterPath(name)).toThrow(/^Expected `name` to be a cluster name/);
  });
});
