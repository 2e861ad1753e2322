// Following a symbolic link as the server's OS user: a root process that was asked to follow a
// link in a folder that user controls (followSymlinks) reads and writes what it points to with
// that user's rights, never its own, so a link to a file only root may read gives nothing away.
import { execa } from 'execa';
import type { LinkedFileAccess } from '../fs/regular-file.js';
import { RunAsError } from './run-as-error.js';
import type { RunAsUser } from './run-as.js';
import { userCommand } from './user-command.js';

// Run as the user, with coreutils only: resolve the link with the user's rights, accept only a
// regular file that user owns and can write (a rename by them would change another owner), then
// replace it atomically (temporary file in the same folder, same mode, sync, rename).
const WRITE_SCRIPT = `set -eu
target=$(realpath -e -- "$1") || exit 3
if [ ! -f "$target" ] || [ ! -O "$target" ] || [ ! -w "$target" ]; then
  echo "$target is not a regular file that $(id -un) owns and can write" >&2; exit 3
fi
folder=$(dirname -- "$target")
temporary=$(mktemp -- "$folder/.pg-cluster-XXXXXX") || exit 3
trap 'rm -f -- "$temporary"' EXIT
cat > "$temporary"
chmod --reference="$target" -- "$temporary"
sync -- "$temporary"
mv -f -- "$temporary" "$target"
trap - EXIT
sync -- "$folder" 2>/dev/null || true
`;

/** Reads and writes the target of a link as `user` (for a root process; see {@link LinkedFileAccess}). */
export function linkedFileAccessAs(user: RunAsUser): LinkedFileAccess {
  return {
    async read(path) {
      const command = userCommand('cat', ['--', path], user);
      const result = await execa(command.file, command.args, { reject: false, stdin: 'ignore', encoding: 'buffer', ...switchTo(command) });
      if (result.exitCode !== 0) throw refused(user, path, 'read', Buffer.from(result.stderr).toString('utf8'));
      return result.stdout;
    },
    async write(path, data) {
      const command = userCommand('sh', ['-c', WRITE_SCRIPT, 'sh', path], user);
      const result = await execa(command.file, command.args, { reject: false, input: Buffer.from(data), ...switchTo(command) });
      if (result.exitCode !== 0) throw refused(user, path, 'write', String(result.stderr));
    },
  };
}

function switchTo(command: { uid?: number; gid?: number }): { uid?: number; gid?: number } {
  return command.uid !== undefined ? { uid: command.uid, gid: command.gid! } : {};
}

function refused(user: RunAsUser, path: string, what: 'read' | 'write', stderr: string): RunAsError {
  const reason = stderr.trim().split('\n').at(-1) ?? '';
  return new RunAsError(
    'PATH_NOT_ACCESSIBLE',
    `The OS user \`${user.user}\` cannot ${what} the file the symbolic link ${path} points to${reason === '' ? '' : ` (${reason})`}; the server runs as that user, so the link is followed with its rights only`,
    { user: user.user, path },
  );
}
