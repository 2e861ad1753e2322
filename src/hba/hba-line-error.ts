// Why the server rejects one pg_hba.conf line, while it is being read.

export class HbaLineError extends Error {
  constructor(
    message: string,
    /** Offset in the logical line's content of the token at fault. */
    readonly offset: number,
    /** A regular expression the server cannot compile. */
    readonly isRegex = false,
    /**
     * The server rejects the line but sets no error text for it (it only logs `message`), so
     * pg_hba_file_rules shows a row of NULLs there: some of hba.c's checks forget `*err_msg`.
     */
    readonly isSilent = false,
  ) {
    super(message);
  }
}
