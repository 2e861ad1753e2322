/**
 * The base of every error pg-cluster throws. `code` is stable and meant for branching;
 * the message is for people. Subclasses add the evidence as fields (command, exit code,
 * file and line, server log tail) and keep the underlying `cause`.
 */
export class PgClusterError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.name = new.target.name;
  }
}

/** An argument or option that does not have the expected type or shape. */
export class InvalidArgumentError extends PgClusterError {
  readonly argument: string;

  constructor(argument: string, message: string, options?: { cause?: unknown }) {
    super('INVALID_ARGUMENT', message, options);
    this.argument = argument;
  }
}

/** Formats a value for an error message: strings quoted with backticks, the rest as JSON. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return `\`${value}\``;
  if (typeof value === 'bigint') return `\`${value}n\``;
  if (value === undefined) return '`undefined`';
  if (typeof value === 'function') return '`function`';
  try {
    return `\`${JSON.stringify(value)}\``;
  } catch {
    return `\`${String(value)}\``;
  }
}

/** The one message shape for option validation: ``Expected `timeout` to be …, got `-1` ``. */
export function expected(argument: string, what: string, value: unknown): InvalidArgumentError {
  return new InvalidArgumentError(argument, `Expected \`${argument}\` to be ${what}, got ${describeValue(value)}`);
}
