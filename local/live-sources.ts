import { createHash } from 'node:crypto';
import { type FSWatcher, readdirSync, readFileSync, watch } from 'node:fs';
import { basename, join } from 'node:path';
import { formatProblem, type SourceProblem } from '#shared/sources/errors.ts';
import { checkSources, loadSources } from '#shared/sources/loader.ts';
import type { SourceRegistry } from '#shared/sources/registry.ts';
import type { Source } from '#shared/sources/schema.ts';
import { logger } from '#shared/telemetry.ts';

/** What the live registry serves after a look at the folder, and what it refused. */
export interface SourceState {
  /** Every problem of every file on disk that does not validate; empty when all of them do. */
  problems: readonly SourceProblem[];
  /** Sources served from the last version that validated, because their file on disk does not. */
  stale: readonly string[];
  /** The ids served. */
  served: readonly string[];
}

/** A source registry that follows the folder while leadgate runs on one machine. */
export interface LiveSourceRegistry extends SourceRegistry {
  state(): SourceState;
  /** The problems of one source's file on disk (`sources/<id>.yaml`), if it does not validate. */
  problemsOf(id: string): readonly SourceProblem[];
  /** Looks at the folder now (the watcher calls it; tests may too). */
  reload(): void;
  /** How it notices edits: `watch` (fs.watch) or `poll` (when watching is not possible). */
  mode(): 'watch' | 'poll';
  /** Stops watching. */
  close(): void;
}

export interface LiveSourceOptions {
  /** Quiet time after the last file event before reloading (editors write in bursts); default 100 ms. */
  debounceMs?: number;
  /** Interval of the fallback poll when the folder cannot be watched; default 1000 ms. */
  pollMs?: number;
  /** Called after every reload (a file's name or content changed), with what is served and refused. */
  onChange?: (state: SourceState) => void;
  /** The `fs.watch` to use (tests make it fail to exercise the poll). */
  watchFolder?: typeof watch;
}

const isSourceFile = (name: string) => /\.ya?ml$/.test(name);
const sourceIdOf = (file: string) => basename(file).replace(/\.ya?ml$/, '');

/**
 * The sources folder, live: loaded and validated at start (an invalid file fails start-up, as it
 * fails `cdk synth`), then reloaded within a second of every save. It watches the folder (so editors
 * that save by writing a new file and renaming it over the old one are seen too), waits for a
 * burst of events to settle, and falls back to polling once a second when the folder cannot be
 * watched. A file that does not validate is refused on its own: its source keeps the last version
 * that validated (a new file that never validated is not served: its posts get 404), the other
 * files' edits apply, and `state().problems` lists what is wrong until it is fixed. When the folder
 * itself cannot be read, everything keeps being served as it was. Documented in docs/sources.md
 * ("Checking your changes").
 *
 * @example
 * const sources = liveSourceRegistry('sources', { onChange: (state) => report(state) });
 * sources.get('demo-contact');
 * sources.close();
 */
export function liveSourceRegistry(dir: string, options: LiveSourceOptions = {}): LiveSourceRegistry {
  let sources: Map<string, Source> = loadSources(dir);
  let state: SourceState = { problems: [], stale: [], served: [...sources.keys()].sort() };
  let signature = folderSignature(dir);
  let closed = false;
  let watcher: FSWatcher | undefined;
  let poller: NodeJS.Timeout | undefined;
  let debounce: NodeJS.Timeout | undefined;

  const reload = () => {
    if (closed) return;
    const next = folderSignature(dir);
    if (next === signature) return;
    signature = next;
    const checked = checkSources(dir);
    if (checked.problems.some((problem) => !isSourceFile(problem.file))) {
      // The folder itself cannot be read (removed, renamed, no permission): keep serving as before.
      const ids = [...sources.keys()].sort();
      state = { problems: checked.problems, stale: ids, served: ids };
      startPolling();
    } else {
      const served = new Map(checked.sources);
      const stale: string[] = [];
      for (const id of new Set(checked.problems.map((problem) => sourceIdOf(problem.file)))) {
        const previous = sources.get(id);
        if (!served.has(id) && previous) {
          served.set(id, previous);
          stale.push(id);
        }
      }
      sources = served;
      state = { problems: checked.problems, stale, served: [...served.keys()].sort() };
    }
    options.onChange?.(state);
  };

  const schedule = () => {
    clearTimeout(debounce);
    debounce = setTimeout(reload, options.debounceMs ?? 100);
    debounce.unref();
  };

  function startPolling(): void {
    watcher?.close();
    watcher = undefined;
    if (poller || closed) return;
    poller = setInterval(reload, options.pollMs ?? 1000);
    poller.unref();
  }

  try {
    watcher = (options.watchFolder ?? watch)(dir, { persistent: false }, (_event, name) => {
      if (name === null || isSourceFile(String(name))) schedule();
    });
    watcher.on('error', startPolling);
  } catch {
    startPolling();
  }

  return {
    get: (id) => sources.get(id),
    all: () => [...sources.values()],
    state: () => state,
    problemsOf: (id) => state.problems.filter((problem) => sourceIdOf(problem.file) === id),
    reload,
    mode: () => (poller ? 'poll' : 'watch'),
    close() {
      closed = true;
      watcher?.close();
      clearInterval(poller);
      clearTimeout(debounce);
    },
  };
}

/** The names and contents of the source files: equal signatures, nothing to reload. */
function folderSignature(dir: string): string {
  const hash = createHash('sha256');
  try {
    for (const name of readdirSync(dir).filter(isSourceFile).sort()) {
      hash.update(`${name}\0`);
      try {
        hash.update(readFileSync(join(dir, name)));
      } catch (error) {
        hash.update(`unreadable: ${(error as NodeJS.ErrnoException).code}`);
      }
      hash.update('\0');
    }
  } catch (error) {
    return `folder unreadable: ${(error as NodeJS.ErrnoException).code}`;
  }
  return hash.digest('hex');
}

const count = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

/**
 * What a reload means for a person at the terminal: one line that says what happened, then one
 * line per problem, `file:line path: problem`.
 *
 * @example
 * sourceStateLines(state);
 * // ['✘ source change not applied: 1 problem in 1 file; spring keeps its last valid version until fixed',
 * //  '  sources/spring.yaml:12 lead.Email[0].type: invalid option "office": …']
 */
export function sourceStateLines(state: SourceState): string[] {
  if (state.problems.length === 0) return [`✔ sources reloaded: ${state.served.join(', ') || '(none)'}`];
  const files = new Set(state.problems.map((problem) => problem.file)).size;
  const keeps =
    state.stale.length > 0
      ? `; ${state.stale.join(', ')} keep${state.stale.length === 1 ? 's' : ''} ` +
        'the last version that validated until fixed'
      : '';
  return [
    `✘ source change not applied: ${count(state.problems.length, 'problem')} in ${count(files, 'file')}${keeps}`,
    ...state.problems.map((problem) => `  ${formatProblem(problem)}`),
  ];
}

/**
 * Reports each reload at once: readable lines when a person watches the terminal (`text`), one
 * JSON log line otherwise (`json`, for log collectors). Source files hold no personal data.
 */
export function sourceReporter(
  format: 'text' | 'json',
  write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): (state: SourceState) => void {
  return (state) => {
    if (format === 'text') {
      for (const line of sourceStateLines(state)) write(line);
    } else if (state.problems.length > 0) {
      logger.error('source config change rejected; the last valid version of each source stays in use', {
        problems: state.problems.map(formatProblem),
        stale: state.stale,
      });
    } else {
      logger.info('source configs reloaded', { sources: state.served });
    }
  };
}
