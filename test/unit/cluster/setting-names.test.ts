import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nearest } from '../../../src/cluster/setting-names.js';
import { parseDescribeConfig } from '../../../src/installation/index.js';

// `postgres --describe-config` of Debian's PostgreSQL 15.18, checked in.
const fixture = readFileSync(join(import.meta.dirname, '..', '..', 'fixtures', 'installation', 'describe-config-15.txt'), 'utf8');

describe('nearest (the suggestion for an unknown setting name)', () => {
  const known = parseDescribeConfig(fixture).map((s) => s.name);
  it.each([
    ['wrok_mem', 'work_mem'],
    ['shared_bufers', 'shared_buffers'],
    ['max_conections', 'max_connections'],
    ['listen_address', 'listen_addresses'],
    ['effective_cache_sise', 'effective_cache_size'],
    ['no_such_setting_at_all', null],
    ['x', null],
  ])('%s → %s', (name, suggestion) => {
    expect(nearest(name, known)).toBe(suggestion);
  });
});
