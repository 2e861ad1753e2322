// What provision(), deprovision() and allowClient() check of a request before any connection.
import { expected, InvalidArgumentError } from '../errors.js';
import { checkClientName, checkName, generateSchemaUserName, generateUserName } from './user-names.js';

/** Refuses an options argument that is not an object or names an option not in `names` (a misspelt one must not quietly become a default). */
export function checkOptionNames(options: unknown, names: ReadonlySet<string>): void {
  if (options === null || typeof options !== 'object') throw expected('options', 'an object', options);
  for (const name of Object.keys(options)) {
    if (!names.has(name)) throw new InvalidArgumentError(name, `Unknown option \`${name}\`; expected one of ${[...names].join(', ')}`);
  }
}

/** The login user and schema user a request names: `user` (or the one made from `client`) and `schemaUser` (or `<user>_schema`). */
export function requestedUsers(options: { client?: string | undefined; user?: string | undefined; schemaUser?: string | undefined }): { user: string; schemaUser: string } {
  const { client } = options;
  if (client !== undefined) checkClientName(client);
  if (options.user !== undefined) checkName('user', options.user);
  if (client === undefined && options.user === undefined) throw expected('client', 'a name (or give `user`)', client);
  const user = options.user ?? generateUserName(client!);
  const schemaUser = options.schemaUser ?? generateSchemaUserName(user);
  checkName('schemaUser', schemaUser);
  return { user, schemaUser };
}
