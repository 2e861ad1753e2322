import { PgClusterError } from '../errors.js';

/** An index outside the rules (or mappings) of the file. */
export class HbaIndexError extends PgClusterError {
  readonly index: number;
  readonly length: number;

  constructor(index: number, length: number) {
    super('HBA_INDEX_OUT_OF_RANGE', `Index ${index} is out of range for ${length} entr${length === 1 ? 'y' : 'ies'}`);
    this.index = index;
    this.length = length;
  }
}
