// pg_hba.conf texts at the server's buffer limits (hba.c: MAX_TOKEN 10240 before 16, MAX_LINE
// 20480 before 14), shared by the unit tests and the oracle test that checks them against
// PostgreSQL 13 to 18 (test/integration/hba/limits-oracle.test.ts).
const x = (n: number): string => 'x'.repeat(n);

export const limitCases: Record<string, string> = {
  'a token of 10,239 bytes': `local all ${x(10239)} trust\nlocal all all trust\n`,
  'a token of 10,240 bytes': `local all ${x(10240)} trust\nlocal all all trust\n`,
  'a comma after 10,239 bytes': `local all ${x(10239)},y trust\n`,
  'a comment right after 10,239 bytes': `local ${x(10239)}#c\n`,
  'a quoted token of 10,238 bytes': `local all "${x(10238)}" trust\n`,
  'a quoted token of 10,239 bytes': `local all "${x(10239)}" trust\n`,
  'a doubled quote inside 10,238 bytes': `local all "${x(10237)}""" trust\n`,
  'two-byte characters up to 10,238 bytes, then one more byte': `local all ${'é'.repeat(5119)}x trust\n`,
  'two-byte characters to 10,240 bytes': `local all ${'é'.repeat(5120)} trust\n`,
  'a continued record with a 30,000-byte token': `local all all \\\n${x(30000)}\nlocal all all trust\n`,
  'a line of 20,477 bytes and its newline': `local all all trust #${x(20477 - 21)}\nlocal all all trust\n`,
  'a line of 20,478 bytes and its newline': `local all all trust #${x(20478 - 21)}\nlocal all all trust\n`,
  'a line of 20,479 bytes and its newline': `local all all trust #${x(20479 - 21)}\nlocal all all trust\n`,
  'a rule after 20,479 bytes of comment': `#${x(20478)}host all all 0.0.0.0/0 trust\nlocal all all trust\n`,
  'a rule after two buffers of comment': `#${x(20479 * 2 - 1)}host all all 0.0.0.0/0 trust\nlocal all all trust\n`,
  'a rule after a buffer of CRLF comment': `#${x(20477)}\r\nhost all all 0.0.0.0/0 trust\r\n`,
  'a rule after 20,479 bytes of two-byte characters': `#${'é'.repeat(10239)}host all all 0.0.0.0/0 trust\nlocal all all trust\n`,
};
