import type { ActivitySnapshot } from '#local/dashboard/activity.ts';
import { type Html, html } from '#local/dashboard/html.ts';

/**
 * The dashboard's charts, drawn on the server as small inline SVG (no script, no library, no inline
 * style: colours come from the stylesheet, so the strict Content-Security-Policy stays as it is).
 * One unit of the SVG's width is one bucket (a minute); the SVG stretches to the card's width.
 * They show counts, source ids and durations only (see `activity.ts`).
 */

const HEIGHT = 40;

function hhmm(iso: string): string {
  return `${iso.slice(11, 16)} UTC`;
}

/** Minutes or hours, for "the last 3 hours". */
function windowText(snapshot: ActivitySnapshot): string {
  const minutes = (snapshot.leads.total.length * snapshot.bucketSeconds) / 60;
  return minutes % 60 === 0 ? `${minutes / 60} hour${minutes === 60 ? '' : 's'}` : `${minutes} minutes`;
}

const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);
const round = (value: number) => Math.round(value * 100) / 100;

/** The height of `value` on a scale up to `max`: anything above zero is at least one unit tall. */
function barHeight(value: number, max: number): number {
  return value <= 0 || max <= 0 ? 0 : Math.max(1, round((value / max) * (HEIGHT - 1)));
}

/** One path of bars, one unit wide each, standing on `base` (the tops of the bars below). */
function barsPath(values: readonly number[], max: number, base: number[]): string {
  let d = '';
  values.forEach((value, index) => {
    const height = barHeight(value, max);
    if (height === 0) return;
    const bottom = HEIGHT - (base[index] ?? 0);
    d += `M${index},${round(bottom)}v${-height}h1v${height}z`;
    base[index] = (base[index] ?? 0) + height;
  });
  return d;
}

/** A step line through the values; a gap where a value is missing. */
function stepPath(values: readonly (number | null)[], max: number): string {
  let d = '';
  let drawing = false;
  values.forEach((value, index) => {
    if (value === null || max <= 0) {
      drawing = false;
      return;
    }
    const y = round(HEIGHT - 1 - (Math.min(value, max) / max) * (HEIGHT - 2));
    d += `${drawing ? 'L' : 'M'}${index},${y}H${index + 1}`;
    drawing = true;
  });
  return d;
}

function svg(width: number, label: string, paths: Html[], className = ''): Html {
  return html`<svg class="chart ${className}" viewBox="0 0 ${width} ${HEIGHT}" preserveAspectRatio="none"
role="img" aria-label="${label}" focusable="false"><path class="grid" d="M0,${HEIGHT - 0.5}H${width}"/>${paths}</svg>`;
}

function path(className: string, d: string): Html {
  return html`<path class="${className}" d="${d}" vector-effect="non-scaling-stroke"/>`;
}

function axis(snapshot: ActivitySnapshot): Html {
  return html`<p class="axis" aria-hidden="true"><span>${hhmm(snapshot.from)}</span><span>now (${hhmm(snapshot.to)})</span></p>`;
}

function leadsFigure(snapshot: ActivitySnapshot): Html {
  const width = snapshot.leads.total.length;
  const sources = Object.entries(snapshot.leads.bySource);
  const max = Math.max(0, ...sources.flatMap(([, values]) => values));
  const rows =
    sources.length === 0
      ? html`<p class="muted" id="chart-leads-empty">No leads in the last ${windowText(snapshot)}.</p>`
      : html`<div class="chart-rows">${sources.map(([source, values]) => {
          const total = sum(values);
          const label = `${source}: ${total} lead${total === 1 ? '' : 's'} in the last ${windowText(snapshot)}, at most ${Math.max(...values)} a minute`;
          return html`<div class="chart-row" data-source="${source}"><span class="chart-label">${source}
<span class="muted">${total}</span></span>${svg(width, label, [path('leads', barsPath(values, max, []))])}</div>`;
        })}</div>`;
  return html`<figure class="chart-figure" id="chart-leads"><figcaption>Leads per minute, by source
<span class="muted">(same scale, up to ${max} a minute)</span></figcaption>${rows}${axis(snapshot)}</figure>`;
}

function outcomesFigure(snapshot: ActivitySnapshot): Html {
  const { delivered, retrying, deadLettered } = snapshot.outcomes;
  const width = delivered.length;
  const totals = delivered.map((value, index) => value + (retrying[index] ?? 0) + (deadLettered[index] ?? 0));
  const max = Math.max(0, ...totals);
  const base: number[] = [];
  const label =
    `Delivery outcomes in the last ${windowText(snapshot)}: ${sum(delivered)} delivered, ` +
    `${sum(retrying)} retrying, ${sum(deadLettered)} dead-lettered`;
  const chart = svg(width, label, [
    path('delivered', barsPath(delivered, max, base)),
    path('retrying', barsPath(retrying, max, base)),
    path('dead-lettered', barsPath(deadLettered, max, base)),
  ]);
  return html`<figure class="chart-figure" id="chart-outcomes"><figcaption>Delivery outcomes per minute
<span class="muted">(up to ${max} a minute)</span></figcaption>
<p class="legend"><span class="key delivered"></span>delivered ${sum(delivered)}
<span class="key retrying"></span>retrying ${sum(retrying)}
<span class="key dead-lettered"></span>dead-lettered ${sum(deadLettered)}</p>${chart}${axis(snapshot)}</figure>`;
}

function latencyFigure(snapshot: ActivitySnapshot): Html {
  const { p50, p95, count } = snapshot.latencyMs;
  const width = p50.length;
  const max = Math.max(0, ...p95.map((value) => value ?? 0));
  const last = (values: readonly (number | null)[]) => [...values].reverse().find((value) => value !== null);
  const latest50 = last(p50);
  const latest95 = last(p95);
  const label =
    latest50 === undefined
      ? `No delivery in the last ${windowText(snapshot)}`
      : `Delivery latency: latest minute with deliveries p50 ${latest50} ms, p95 ${latest95} ms; highest p95 ${max} ms`;
  const chart = svg(
    width,
    label,
    [path('p95', stepPath(p95, max)), path('p50', stepPath(p50, max))],
    'lines',
  );
  return html`<figure class="chart-figure" id="chart-latency"><figcaption>Delivery latency, accepted → Onpipeline 201
<span class="muted">(up to ${milliseconds(max)}; ${sum(count)} ${sum(count) === 1 ? 'delivery' : 'deliveries'})</span></figcaption>
<p class="legend"><span class="key p50"></span>p50 ${latest50 === undefined ? '–' : milliseconds(latest50)}
<span class="key p95"></span>p95 ${latest95 === undefined ? '–' : milliseconds(latest95)}
<span class="muted">(latest minute with deliveries)</span></p>${chart}${axis(snapshot)}</figure>`;
}

/** A duration for people: `850 ms`, `2.4 s`, `3.1 min`. */
export function milliseconds(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${round(ms / 1000).toFixed(1)} s`;
  return `${(ms / 60_000).toFixed(1)} min`;
}

/** The charts' contents (refreshed live from `/_local/fragments/activity`). */
export function activityCharts(snapshot: ActivitySnapshot): Html {
  return html`<div class="charts">${leadsFigure(snapshot)}${outcomesFigure(snapshot)}${latencyFigure(snapshot)}</div>`;
}

/** The dashboard's "Activity" card: leads, outcomes and latency per minute over the last hours. */
export function activitySection(snapshot: ActivitySnapshot): Html {
  return html`<section class="card" id="activity" aria-labelledby="activity-title">
<h2 id="activity-title">Activity</h2>
<p class="lead">The last ${windowText(snapshot)}, one bar a minute (UTC): leads accepted, what became of
their deliveries, and how long a lead took from accepted to Onpipeline's 201. Since leadgate started;
the same figures as <code>npx leadgate status</code>.</p>
<div id="activity-list">${activityCharts(snapshot)}</div></section>`;
}

/** The charts' styles, appended to the dashboard's stylesheet (`/_local/app.css`). */
export const chartStylesheet = `
.charts { display: grid; gap: 1rem }
figure.chart-figure { margin: 0 } figure.chart-figure figcaption { font-weight: 600 }
svg.chart { display: block; width: 100%; height: 2.5rem; background: #fbfcfd; overflow: visible }
#chart-outcomes svg.chart, #chart-latency svg.chart { height: 4.5rem }
svg.chart path { stroke: none }
svg.chart path.grid { stroke: var(--line); fill: none; stroke-width: 1 }
svg.chart path.leads { fill: var(--accent) }
svg.chart path.delivered { fill: var(--ok) } svg.chart path.retrying { fill: var(--warn) }
svg.chart path.dead-lettered { fill: var(--bad) }
svg.chart.lines path.p50, svg.chart.lines path.p95 { fill: none; stroke-width: 2 }
svg.chart.lines path.p50 { stroke: var(--accent) } svg.chart.lines path.p95 { stroke: var(--warn) }
.chart-rows { display: grid; gap: .25rem }
.chart-row { display: grid; grid-template-columns: 12rem 1fr; gap: .5rem; align-items: end }
.chart-label { font-size: .85rem; overflow-wrap: anywhere }
p.axis { display: flex; justify-content: space-between; margin: .1rem 0 0; font-size: .75rem;
  color: var(--muted) }
.chart-rows + p.axis { margin-left: 12.5rem }
p.legend { margin: .1rem 0; font-size: .85rem } .key { display: inline-block; width: .8rem; height: .8rem;
  border-radius: 2px; margin: 0 .25rem 0 .5rem; vertical-align: -0.1rem }
.key.delivered { background: var(--ok) } .key.retrying { background: var(--warn) }
.key.dead-lettered { background: var(--bad) } .key.p50 { background: var(--accent) }
.key.p95 { background: var(--warn) }
.attempt .duplicate-of { color: var(--muted) }
`;
