import { resolveTarget, type ProvisionTarget } from './provision-target.js';

/** A row of `pg_available_extensions`. */
export interface AvailableExtension {
  name: string;
  defaultVersion: string | null;
  /** The version installed in the database asked about, or null. */
  installedVersion: string | null;
  comment: string | null;
}

/** What the installation ships (`pg_available_extensions`, sorted by name), with the versions installed in `database` (default: the target's). */
export async function availableExtensions(target: ProvisionTarget, options: { database?: string } = {}): Promise<AvailableExtension[]> {
  const server = await resolveTarget(target);
  const client = await server.connect(options.database);
  try {
    const { rows } = await client.query<AvailableExtension>(
      'SELECT name, default_version AS "defaultVersion", installed_version AS "installedVersion", comment FROM pg_available_extensions ORDER BY name',
    );
    return rows;
  } finally {
    await client.end().catch(() => undefined);
  }
}
