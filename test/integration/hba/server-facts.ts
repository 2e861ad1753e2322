import type { ScratchServer } from '../../helpers/scratch-server.js';

/**
 * What the build supports, from its configure line: methods it lacks and whether GSSAPI encryption
 * exists; on 18+ also the server's oauth_validator_libraries, which oauth rules are checked against.
 */
export async function buildFacts(server: ScratchServer): Promise<{ unsupportedMethods: string[]; gssEncryption: boolean; oauthValidatorLibraries?: string[] }> {
  const [row] = await server.query<{ setting: string }>("select setting from pg_config where name = 'CONFIGURE'");
  const configure = row!.setting;
  const unsupportedMethods = ['sspi', 'bsd'];
  if (!configure.includes('--with-gssapi')) unsupportedMethods.push('gss');
  if (!configure.includes('--with-pam')) unsupportedMethods.push('pam');
  if (!configure.includes('--with-ldap')) unsupportedMethods.push('ldap');
  if (!/--with-(openssl|ssl=openssl)/.test(configure)) unsupportedMethods.push('cert');
  const facts = { unsupportedMethods, gssEncryption: configure.includes('--with-gssapi') };
  if (server.major < 18) return facts;
  const [libraries] = await server.query<{ oauth_validator_libraries: string }>('show oauth_validator_libraries');
  const list = libraries!.oauth_validator_libraries.split(',').map((s) => s.trim()).filter((s) => s !== '');
  return { ...facts, oauthValidatorLibraries: list };
}
