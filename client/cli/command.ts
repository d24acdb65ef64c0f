/** One `veil` subcommand: its help text and its runner, which returns the process exit code. */
export type Command = {
  name: string;
  /** One line for `veil --help`. */
  summary: string;
  /** Full text for `veil <name> --help`. */
  help: string;
  run(argv: string[]): Promise<number>;
};
