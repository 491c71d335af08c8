/** Where a command writes: results to `out` (stdout), progress and errors to `err` (stderr). Its exit code is what it returns. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}
