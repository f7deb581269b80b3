/** One problem in one source config file: where it is and what is wrong, in words for marketing ops. */
export interface SourceProblem {
  file: string;
  /** Path inside the file, e.g. `lead.Email[0].type`; empty for the whole file. */
  path: string;
  /** 1-based line of the offending value, when the YAML parser knows it. */
  line?: number;
  message: string;
}

/** Thrown when one or more source configs are invalid; its message lists every problem. */
export class SourceConfigError extends Error {
  readonly code = 'invalid_source_config';
  readonly problems: SourceProblem[];

  constructor(problems: SourceProblem[]) {
    super(`invalid source config:\n${problems.map((problem) => `  ${formatProblem(problem)}`).join('\n')}`);
    this.name = 'SourceConfigError';
    this.problems = problems;
  }
}

/** `sources/demo.yaml:12 lead.Email[0].type: invalid option "office": expected one of "work"|"home"|"other"` */
export function formatProblem(problem: SourceProblem): string {
  const where = problem.line === undefined ? problem.file : `${problem.file}:${problem.line}`;
  return `${where}${problem.path ? ` ${problem.path}` : ''}: ${problem.message}`;
}
