// global/pg_control read by our parser against the server's own view of it (pg_control_checkpoint(),
// pg_control_system()) on every major, and against pg_controldata where the installation has it:
// the npm binaries have no pg_controldata, and switchover needs the shutdown checkpoint's LSN.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePgControl, PgControlError, readPgControl } from '../../../src/control/index.js';
import { npmInstallation, quickInit, rejection, systemInstallation, useWorkspaces } from '../cluster/fixtures.js';

const newWorkspace = useWorkspaces();

const installations = [
  ['system 15', () => systemInstallation()],
  ...([13, 14, 16, 17, 18] as const).map((major) => [`npm ${major}`, () => npmInstallation(major)] as const),
] as const;

describe('global/pg_control', () => {
  for (const [label, installation] of installations) {
    it(`${label}: the checkpoint, timeline, state and system identifier the server reports, running and after a fast shutdown`, async () => {
      const w = newWorkspace(installation());
      const major = w.cluster.installation.versionInfo.major;
      await w.cluster.init({ ...quickInit, timeout: 60_000 });
      await w.cluster.start({ settings: w.settings });
      const oracle = async () => {
        const client = await w.cluster.connect();
        try {
          const { rows } = await client.query<{ checkpoint_lsn: string; redo_lsn: string; timeline_id: number; system_identifier: string }>(
            'SELECT c.checkpoint_lsn::text, c.redo_lsn::text, c.timeline_id, s.system_identifier::text FROM pg_control_checkpoint() c, pg_control_system() s',
          );
          return rows[0]!;
        } finally {
          await client.end();
        }
      };
      const client = await w.cluster.connect();
      await client.query('CREATE TABLE t AS SELECT 1 AS x; CHECKPOINT');
      await client.end();
      const running = await readPgControl(w.dataDirectory, major);
      const seen = await oracle();
      expect(running).toMatchObject({ state: 'in production', checkpointLsn: seen.checkpoint_lsn, redoLsn: seen.redo_lsn, timeline: seen.timeline_id, systemIdentifier: seen.system_identifier });

      await w.cluster.stop({ mode: 'fast' });
      const stopped = await readPgControl(w.dataDirectory, major);
      expect(stopped.state).toBe('shut down');
      expect(stopped.checkpointLsn).not.toBe(running.checkpointLsn);
      if (w.cluster.installation.paths['pg_controldata']) {
        const data = await w.cluster.controlData();
        expect(stopped).toMatchObject({ state: data.state, checkpointLsn: data.checkpointLsn, timeline: data.timeline, systemIdentifier: data.systemIdentifier, pgControlVersion: data.pgControlVersion });
      }
      // A clean start writes no checkpoint: the server then reports the shutdown checkpoint.
      await w.cluster.start({ settings: w.settings });
      expect((await oracle()).checkpoint_lsn).toBe(stopped.checkpointLsn);
    });
  }

  it('refuses a file of another major and a damaged one with typed errors', async () => {
    const w = newWorkspace(npmInstallation(17));
    await w.cluster.init({ ...quickInit, timeout: 60_000 });
    const bytes = readFileSync(join(w.dataDirectory, 'global', 'pg_control'));
    expect(parsePgControl(bytes, 17).pgControlVersion).toBe(1700);
    const other = await rejection(readPgControl(w.dataDirectory, 15));
    expect(other).toBeInstanceOf(PgControlError);
    expect(other).toMatchObject({ code: 'PG_CONTROL_UNKNOWN_VERSION', message: expect.stringMatching(/1700.*15 writes 1300/) });
    const damaged = Buffer.from(bytes);
    damaged[33] = damaged[33]! ^ 0xff; // inside checkPoint
    expect(() => parsePgControl(damaged, 17)).toThrow(expect.objectContaining({ code: 'PG_CONTROL_UNREADABLE' }));
    expect(() => parsePgControl(bytes, 12)).toThrow(expect.objectContaining({ code: 'PG_CONTROL_UNKNOWN_VERSION' }));
    expect(await rejection(readPgControl(join(w.root, 'nowhere'), 17))).toMatchObject({ code: 'PG_CONTROL_UNREADABLE' });
  });
});
