/** Configure options by normalised name: the option's argument, or `true` for a flag. */
export type ConfigureOptions = Record<string, string | true>;

/**
 * Reads `pg_config`'s CONFIGURE line (`'--prefix=/usr' '--enable-debug' 'CFLAGS=-O2 -g'`) the
 * way py-postgresql does: a long option loses its leading dashes, is lower-cased and has `-`
 * turned into `_` (`--enable-debug` → `enable_debug`); its value is the text after the first `=`,
 * or `true` when there is none. An environment assignment (`CFLAGS=-O2 -g`, `AWK=mawk`) becomes a
 * lower-case key. When an option repeats, the last one wins.
 */
export function parseConfigureOptions(configure: string): ConfigureOptions {
  const options: ConfigureOptions = {};
  for (const word of splitShellWords(configure)) {
    const equals = word.indexOf('=');
    const name = equals === -1 ? word : word.slice(0, equals);
    const key = normaliseOptionName(name);
    if (key === '') continue;
    options[key] = equals === -1 ? true : word.slice(equals + 1);
  }
  return options;
}

/** `--With-SSL` → `with_ssl`. */
export function normaliseOptionName(name: string): string {
  return name.replace(/^-+/, '').toLowerCase().replaceAll('-', '_');
}

/**
 * Splits a command line as a POSIX shell would, without expansions: single quotes keep
 * everything, double quotes keep everything but `\"`, `\\`, `\$` and `` \` ``, a backslash outside
 * quotes escapes the next character. An unterminated quote runs to the end of the text.
 */
export function splitShellWords(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "'") {
      inWord = true;
      const end = text.indexOf("'", i + 1);
      const stop = end === -1 ? text.length : end;
      word += text.slice(i + 1, stop);
      i = stop;
    } else if (c === '"') {
      inWord = true;
      for (i++; i < text.length && text[i] !== '"'; i++) {
        if (text[i] === '\\' && i + 1 < text.length && '"\\$`'.includes(text[i + 1]!)) i++;
        word += text[i];
      }
    } else if (c === '\\') {
      inWord = true;
      if (i + 1 < text.length) word += text[++i];
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      inWord = true;
      word += c;
    }
  }
  if (inWord) words.push(word);
  return words;
}
