// The encodings a configuration file is read and written in: the rule every file editor here
// shares (src/fs/text-encoding.ts), under the name the config layer exports.
import type { TextFileEncoding } from '../fs/text-encoding.js';

export type ConfigEncoding = TextFileEncoding;
