import type { ScratchServer } from '../../helpers/scratch-server.js';

/** What the build supports, from its configure line: methods it lacks and whether GSSAPI encryption exists. */
export async function buildFacts(server: ScratchServer): Promise<{ unsupportedMethods: string[]; gssEncryption: boolean }> {
  const [row] = await server.query<{ setting: string }>("select setting from pg_config where name = 'CONFIGURE'");
  const configure = row!.setting;
  const unsupportedMethods = ['sspi', 'bsd'];
  if (!configure.includes('--with-gssapi')) unsupportedMethods.push('gss');
  if (!configure.includes('--with-pam')) unsupportedMethods.push('pam');
  if (!configure.includes('--with-ldap')) unsupportedMethods.push('ldap');
  if (!/--with-(openssl|ssl=openssl)/.test(configure)) unsupportedMethods.push('cert');
  return { unsupportedMethods, gssEncryption: configure.includes('--with-gssapi') };
}
