// A psql backslash command line, read as psql's src/bin/psql/psqlscanslash.l reads the common
// cases: the command name runs to the first space or backslash; arguments are separated by
// spaces, a single-quoted argument keeps its spaces (`''` is a quote, `\\`, `\'`, `\n`, `\t`
// escapes). What the runner cannot reproduce without psql is reported, not guessed: a
// backquoted shell command, a `:variable`, a `\\` second command on the line.

export interface MetaCommand {
  /** The name without its backslash: `i`, `ir`, `set`, `connect`. */
  name: string;
  args: string[];
  /** Why the arguments cannot be read without psql (a backquote, a variable, `\\`), or null. */
  unsupported: string | null;
}

const escapes: Record<string, string> = { n: '\n', t: '\t', b: '\b', r: '\r', f: '\f' };

/** Reads `\name arg 'quoted arg'`; `text` starts at the backslash and holds one line. */
export function parseMetaCommand(text: string): MetaCommand {
  let i = 1;
  while (i < text.length && !/\s/.test(text[i]!) && (text[i] !== '\\' || i === 1)) {
    i++;
    // One-character commands of punctuation (`\!`, `\?`, `\;`, `\.`) end at once.
    if (i === 2 && !/[A-Za-z0-9_]/.test(text[1]!)) break;
  }
  const name = text.slice(1, i);
  const args: string[] = [];
  let unsupported: string | null = null;
  while (i < text.length) {
    while (i < text.length && /\s/.test(text[i]!)) i++;
    if (i >= text.length) break;
    const c = text[i]!;
    if (c === '\\') {
      unsupported = 'a second backslash command on the same line';
      break;
    }
    let word = '';
    let quoted = false;
    while (i < text.length && !/\s/.test(text[i]!)) {
      const ch = text[i]!;
      if (ch === "'") {
        quoted = true;
        i++;
        while (i < text.length) {
          const q = text[i]!;
          if (q === "'" && text[i + 1] === "'") {
            word += "'";
            i += 2;
          } else if (q === "'") {
            i++;
            break;
          } else if (q === '\\' && i + 1 < text.length) {
            const next = text[i + 1]!;
            word += escapes[next] ?? next;
            i += 2;
          } else {
            word += q;
            i++;
          }
        }
      } else if (ch === '`') {
        unsupported = 'a backquoted shell command';
        i = text.length;
        break;
      } else if (ch === ':' && !quoted && word === '' && /[A-Za-z_'"{]/.test(text[i + 1] ?? '')) {
        unsupported = 'a psql variable';
        i = text.length;
        break;
      } else if (ch === '\\') {
        unsupported = 'a second backslash command on the same line';
        i = text.length;
        break;
      } else {
        word += ch;
        i++;
      }
    }
    if (unsupported !== null) break;
    args.push(word);
  }
  return { name, args, unsupported };
}
