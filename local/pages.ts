import type { IncomingMessage } from 'node:http';
import {
  deadLetters,
  eraseEndpoint,
  previewEndpoint,
  readJson,
  redriveEndpoint,
  sampleEndpoint,
  sampleText,
} from '#local/dashboard/api.ts';
import {
  bannerScript,
  bannerStyles,
  sourceProblemsBanner,
  sourceProblemsEndpoint,
} from '#local/dashboard/banner.ts';
import { activityCharts, chartStylesheet } from '#local/dashboard/charts.ts';
import { dashboardScript } from '#local/dashboard/client.ts';
import type { DashboardContext } from '#local/dashboard/context.ts';
import {
  errorPage,
  fragmentPage,
  html,
  jsonPage,
  securityHeaders,
  stylesheet,
} from '#local/dashboard/html.ts';
import {
  missingSecretsEndpoint,
  missingSecretsNotice,
  missingSecretsScript,
  missingSecretsStyles,
} from '#local/dashboard/missing-secrets.ts';
import { localStatus } from '#local/dashboard/status.ts';
import {
  dashboardPage,
  deadLetterList,
  demoOnlyPage,
  leadsList,
  thanksPage,
} from '#local/dashboard/views.ts';
import type { LocalPage, LocalPages } from '#local/gateway.ts';
import { foreignRequestRefusal } from '#local/loopback.ts';

export type { DashboardContext } from '#local/dashboard/context.ts';
export { DEMO_SOURCE } from '#local/dashboard/views.ts';

/** The options of the demo form alone, before the runtime passes the dashboard's context. */
export interface DemoOnlyOptions {
  sandboxUrl?: string | undefined;
}

function isDashboard(context: DashboardContext | DemoOnlyOptions): context is DashboardContext {
  return 'sqs' in context && 'recentAttempts' in context && 'sources' in context;
}

const asset = (contentType: string, body: string): LocalPage => ({
  status: 200,
  headers: { ...securityHeaders(contentType), 'cache-control': 'no-cache' },
  body,
});

/**
 * The pages the one-machine runtime serves besides the API (never deployed to AWS):
 * - `/`: the dashboard: the demo form, live queue and DLQ counts, recent leads with the exact
 *   Leadsin body sent, dead letters with redrive buttons, the mapping playground;
 * - `/thanks`: the demo form's thank-you page;
 * - `/_local/*`: `GET status` (JSON for `leadgate status`), `GET activity` (the charts' per-minute
 *   series, JSON), `GET fragments/leads|dlq|activity`, `GET sample`, `GET source-problems` (the
 *   banner of invalid source files), `GET missing-secrets` (the notice of sources whose secrets are not
 *   set), `POST preview`, `POST dlq/redrive`, `POST erase`
 *   (`leadgate erase`), `GET app.js|app.css`.
 * Every answer goes through `foreignRequestRefusal` (`local/loopback.ts`): a non-loopback `Host` (DNS
 * rebinding) or a cross-site request (`Origin`, `Sec-Fetch-Site`) is refused with 403; the POST
 * endpoints take JSON only. Anything else falls through to the API.
 * Given only `{ sandboxUrl }`, it serves the demo form and the thank-you page alone.
 *
 * @example
 * const pages = localPages({ sandboxUrl, recentAttempts, sqs, queueUrls, sources });
 * startGateway({ port, handler, pages });
 */
export function localPages(context: DashboardContext | DemoOnlyOptions): LocalPages {
  const dashboard = isDashboard(context) ? context : undefined;
  return async (request, url) => {
    const path = url.pathname;
    if (path !== '/' && path !== '/thanks' && !path.startsWith('/_local/')) return undefined;
    const refusal = foreignRequestRefusal(request);
    if (refusal) {
      request.resume();
      return errorPage(refusal.status, refusal.code, refusal.message);
    }
    const read = request.method === 'GET' || request.method === 'HEAD';
    if (read && path === '/thanks') return thanksPage(context.sandboxUrl, dashboard !== undefined);
    if (!dashboard) {
      return read && path === '/'
        ? demoOnlyPage(context.sandboxUrl, url.searchParams.get('error'))
        : undefined;
    }
    if (read) return get(dashboard, path, url);
    if (request.method === 'POST') return post(dashboard, path, request);
    return undefined;
  };
}

async function get(context: DashboardContext, path: string, url: URL): Promise<LocalPage | undefined> {
  switch (path) {
    case '/': {
      const [status, letters, secrets] = await Promise.all([
        localStatus(context),
        deadLetters(context),
        missingSecretsNotice(context),
      ]);
      const sources = [...context.sources.all()].sort((a, b) => a.id.localeCompare(b.id));
      const first = sources.find((source) => source.id === 'demo-contact') ?? sources[0];
      return dashboardPage({
        sandboxUrl: context.sandboxUrl,
        error: url.searchParams.get('error'),
        status,
        attempts: context.recentAttempts(),
        letters,
        sources: first ? [first, ...sources.filter((source) => source !== first)] : sources,
        sample: first ? sampleText(first) : '',
        activity: context.activity?.(),
        banner: html`${sourceProblemsBanner(context.sourceProblems?.() ?? [])}${secrets}`,
      });
    }
    case '/_local/status':
      return jsonPage(200, await localStatus(context));
    case '/_local/fragments/leads':
      return fragmentPage(leadsList(context.recentAttempts()));
    case '/_local/activity':
      return context.activity
        ? jsonPage(200, context.activity())
        : errorPage(404, 'not_found', 'This runtime keeps no activity series.');
    case '/_local/fragments/activity':
      return context.activity
        ? fragmentPage(activityCharts(context.activity()))
        : errorPage(404, 'not_found', 'This runtime keeps no activity series.');
    case '/_local/fragments/dlq':
      return fragmentPage(deadLetterList(await deadLetters(context)));
    case '/_local/sample':
      return sampleEndpoint(context, url);
    case '/_local/source-problems':
      return sourceProblemsEndpoint(context);
    case '/_local/missing-secrets':
      return missingSecretsEndpoint(context);
    case '/_local/app.js':
      return asset('text/javascript; charset=utf-8', dashboardScript + bannerScript + missingSecretsScript);
    case '/_local/app.css':
      return asset(
        'text/css; charset=utf-8',
        stylesheet + chartStylesheet + bannerStyles + missingSecretsStyles,
      );
    default:
      return errorPage(404, 'not_found', `No local page at ${path}.`);
  }
}

async function post(context: DashboardContext, path: string, request: IncomingMessage): Promise<LocalPage> {
  const endpoint =
    path === '/_local/preview'
      ? previewEndpoint
      : path === '/_local/dlq/redrive'
        ? redriveEndpoint
        : path === '/_local/erase'
          ? async (dashboard: DashboardContext, body: unknown) => eraseEndpoint(dashboard, body)
          : undefined;
  if (!endpoint) {
    request.resume();
    return errorPage(404, 'not_found', `No local endpoint at ${path}.`);
  }
  const body = await readJson(request);
  if ('error' in body) return body.error;
  return endpoint(context, body.value);
}
