import type { DashboardContext } from '#local/dashboard/context.ts';
import { type Html, html, jsonPage } from '#local/dashboard/html.ts';
import type { LocalPage } from '#local/gateway.ts';
import { formatProblem, type SourceProblem } from '#shared/sources/errors.ts';

/**
 * The red banner at the top of the dashboard while a file in `sources/` does not validate: one line
 * per problem, `file:line path: problem`, gone within a second of the fix. The page renders it at
 * once; `/_local/banner.js` keeps it current from `GET /_local/source-problems`. Problems are file
 * contents, so they are only ever escaped (`html`) or set as `textContent`.
 */

/** `GET /_local/source-problems`: `{ problems: [{ file, line, path, message, text }] }`. */
export function sourceProblemsEndpoint(context: DashboardContext): LocalPage {
  const problems = context.sourceProblems?.() ?? [];
  return jsonPage(200, {
    problems: problems.map((problem) => ({ ...problem, text: formatProblem(problem) })),
  });
}

function headline(problems: readonly SourceProblem[]): string {
  const files = new Set(problems.map((problem) => problem.file)).size;
  return files === 1
    ? 'A source file is invalid: your last save was not applied'
    : `${files} source files are invalid: your last saves were not applied`;
}

const explanation =
  'Until the file validates, leadgate keeps serving the last version of that source that validated ' +
  '(a new file is not served at all). Fix the file and save: this banner goes away within a second.';

/** The banner as the page first shows it (hidden when every file validates). */
export function sourceProblemsBanner(problems: readonly SourceProblem[]): Html {
  return html`<section class="source-problems" id="source-problems" role="alert"${
    problems.length === 0 ? html` hidden` : ''
  }>
<h2 id="source-problems-title">${problems.length > 0 ? headline(problems) : ''}</h2>
<p>${explanation}</p>
<ul id="source-problems-list">${problems.map((problem) => html`<li><code>${formatProblem(problem)}</code></li>`)}</ul>
</section>`;
}

/** The banner's styles, appended to the dashboard's stylesheet. */
export const bannerStyles = `
.source-problems { background: #fde8e8; border: 2px solid var(--bad); border-radius: 8px; color: var(--bad);
  padding: .75rem 1.25rem; margin: 1rem 0 }
.source-problems h2 { margin: 0 0 .25rem; font-size: 1.1rem }
.source-problems p { margin: 0 0 .5rem; color: var(--ink) }
.source-problems ul { margin: 0; padding-left: 1.25rem }
.source-problems code { background: transparent; white-space: pre-wrap; overflow-wrap: anywhere }
`;

/**
 * The banner's browser script, served after the dashboard's at `/_local/app.js` (the
 * Content-Security-Policy allows no inline script). Self-contained: it is served as its source text.
 */
function bannerApp(): void {
  type Answer = { problems: { file: string; text: string }[] };
  const banner = document.getElementById('source-problems');
  const title = document.getElementById('source-problems-title');
  const list = document.getElementById('source-problems-list');
  if (!banner || !title || !list) return;
  let shown = '';

  async function poll(): Promise<void> {
    try {
      const response = await fetch('/_local/source-problems', { headers: { accept: 'application/json' } });
      if (response.ok) {
        const { problems } = (await response.json()) as Answer;
        const signature = problems.map((problem) => problem.text).join('\n');
        if (signature !== shown && banner && title && list) {
          shown = signature;
          const files = new Set(problems.map((problem) => problem.file)).size;
          title.textContent =
            files === 1
              ? 'A source file is invalid: your last save was not applied'
              : `${files} source files are invalid: your last saves were not applied`;
          list.replaceChildren(
            ...problems.map((problem) => {
              const item = document.createElement('li');
              const code = document.createElement('code');
              code.textContent = problem.text;
              item.append(code);
              return item;
            }),
          );
          banner.hidden = problems.length === 0;
        }
      }
    } catch {
      // leadgate stopped or restarting: try again on the next tick.
    }
    window.setTimeout(poll, 1000);
  }

  shown = Array.from(list.querySelectorAll('li'), (item) => item.textContent ?? '').join('\n');
  void poll();
}

/** The banner script's text (see `dashboardScript` in `client.ts` for how it is served). */
export const bannerScript = `(${bannerApp
  .toString()
  .replace(/[ \t]+$/gm, '')
  .replace(/\n{2,}/g, '\n')})();\n`;
