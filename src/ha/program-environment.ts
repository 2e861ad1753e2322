/**
 * The environment Patroni (and the PostgreSQL programs it runs) get: ours without what would
 * change their behaviour (see isForeignVariable), Debian's PATH first (Patroni runs under
 * /usr/bin/python3), HOME in the member's folder, C.UTF-8 (initdb's encoding) and C messages.
 */
export function programEnvironment(folder: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined && !isForeignVariable(key)) env[key] = value;
  return { ...env, PATH: `/usr/bin:/bin${process.env['PATH'] ? `:${process.env['PATH']}` : ''}`, HOME: folder, LANG: 'C.UTF-8', LC_MESSAGES: 'C', PYTHONUNBUFFERED: '1' };
}

/** Patroni's own settings (PATRONI_*), libpq's (PGHOST, PGPASSWORD, …), Python's and the locale's. */
export function isForeignVariable(key: string): boolean {
  return /^PATRONI_|^PYTHON|^PG[A-Z]+$|^LC_|^LANG(UAGE)?$|^ETCD/.test(key);
}
