/** The command `argv` (as `process.argv`) names: its first argument that is not a flag (global options are flags). */
export function namedCommand(argv: readonly string[]): string | undefined {
  return argv.slice(2).find((arg) => !arg.startsWith('-'));
}
