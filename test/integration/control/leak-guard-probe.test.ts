import { describe, expect, it } from 'vitest';
import { RUN_ID_VARIABLE, serversOfRun } from '../../global-setup.js';
import { startScratchServer } from '../../helpers/scratch-server.js';

// Proves the suite-wide guard can see this run's servers: the forks carry the run id and a
// server started by a test inherits it.
describe('the suite-wide leftover guard', () => {
  it('recognises a server started by this run, and not after it stopped', async () => {
    const runId = process.env[RUN_ID_VARIABLE];
    expect(runId).toMatch(/^[0-9a-f]{16}$/);
    const server = await startScratchServer();
    try {
      const found = serversOfRun(runId!);
      expect(found.map((p) => p.cmdline).join('\n')).toContain(server.dataDir);
    } finally {
      await server.stop();
    }
    expect(serversOfRun(runId!).filter((p) => p.cmdline.includes(server.dataDir))).toEqual([]);
  });
});
