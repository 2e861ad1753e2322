// given(input).running(edit).produces(expected): the shape of toml_edit's edit tests.
import { expect } from 'vitest';
import { HbaFile, type HbaParseOptions } from '../../../src/hba/index.js';

export function given(input: string, options: HbaParseOptions = {}) {
  return {
    running(edit: (hba: HbaFile) => unknown) {
      return {
        produces(expected: string): HbaFile {
          const hba = HbaFile.parse(input, options);
          edit(hba);
          expect(hba.toString()).toBe(expected);
          // What we wrote reads back as the same rules.
          expect(HbaFile.parse(hba.toString(), options).rules()).toEqual(hba.rules());
          return hba;
        },
        /** The edit throws `errorClass` with `fields`, and the text is unchanged. */
        fails(errorClass: new (...args: never[]) => Error, fields: Record<string, unknown> = {}): void {
          const hba = HbaFile.parse(input, options);
          let thrown: unknown;
          try {
            edit(hba);
          } catch (error) {
            thrown = error;
          }
          expect(thrown).toBeInstanceOf(errorClass);
          expect(thrown).toMatchObject(fields);
          expect(hba.toString()).toBe(input);
        },
      };
    },
  };
}
