import { describe, expect, it } from 'vitest';
import { startScratchServer } from '../../helpers/scratch-server.js';

describe('scratch server (test helper)', () => {
  it('starts PostgreSQL, answers a query, and stops', async () => {
    const server = await startScratchServer();
    try {
      const rows = await server.query('select current_setting($1) as v', ['listen_addresses']);
      expect(rows).toEqual([{ v: '' }]);
    } finally {
      await server.stop();
    }
  });
});
