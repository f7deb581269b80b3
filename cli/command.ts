import type { Io } from '#cli/io.ts';
import type { Workspace } from '#cli/workspace.ts';

/** Option values as `node:util` `parseArgs` returns them. */
export type OptionValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

/** What a command's `run` gets: parsed arguments, the workspace folders and the I/O to use. */
export interface CommandContext {
  io: Io;
  /** Positional arguments after the command words (`sources preview <these>`). */
  args: string[];
  values: OptionValues;
  /** `--json`: print one JSON document on stdout instead of readable text. */
  json: boolean;
  space: Workspace;
}

/** A command's entry point; resolves to the process exit code (0 success, 1 failure, 2 usage). */
export type CommandRun = (context: CommandContext) => Promise<number>;

/** A string option's value, or `undefined`. */
export function stringOption(values: OptionValues, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}
