/**
 * The dashboard's browser script, served at `/_local/app.js` (the Content-Security-Policy allows no
 * inline script). It is written here as a self-contained, type-checked function and served as its
 * source text, so it must not use anything from this module's scope. It keeps the counts live
 * (polling `/_local/status`), refreshes the leads and dead-letter lists when they change, sends the
 * redrive buttons' POSTs and runs the mapping playground. Everything it shows from the server goes
 * through `textContent` or server-escaped fragments.
 */
function dashboardApp(): void {
  type Status = {
    queues:
      | { leads: { visible: number; inFlight: number }; deadLetter: { visible: number; inFlight: number } }
      | {
          error: string;
        };
    recent: {
      total: number;
      byOutcome: Record<string, number>;
      deduplicated?: number;
      attempts: { messageId: string; at: string }[];
    };
  };
  type PreviewAnswer = {
    error?: { message: string };
    customFields?: string | null;
    fileInvalid?: { message: string; problems: string[] };
    leads?: {
      ok: boolean;
      body?: unknown;
      errors?: Record<string, string>;
      spam: boolean;
      unresolved: string[];
      customFields?: { ID: string; Name: string | null }[];
      fields: string[];
    }[];
  };

  const byId = (id: string) => document.getElementById(id);
  const setText = (id: string, text: string) => {
    const element = byId(id);
    if (element) element.textContent = text;
  };
  const element = (tag: string, text?: string, className?: string) => {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (className) node.className = className;
    return node;
  };
  const postJson = (url: string, body: unknown) =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
    });

  let leadsSignature: string | undefined;
  let dlqSignature: string | undefined;

  let activityTicks = 0;

  async function refresh(name: 'leads' | 'dlq' | 'activity'): Promise<void> {
    const target = byId(`${name}-list`);
    if (!target) return;
    const response = await fetch(`/_local/fragments/${name}`, { headers: { accept: 'text/html' } });
    // The fragment is HTML the server built with every value escaped.
    if (response.ok) target.innerHTML = await response.text();
  }

  async function poll(): Promise<void> {
    try {
      const response = await fetch('/_local/status', { headers: { accept: 'application/json' } });
      if (response.ok) {
        const status = (await response.json()) as Status;
        const queues = status.queues;
        const state = byId('queue-state');
        if ('error' in queues) {
          if (state) {
            state.hidden = false;
            state.textContent = queues.error;
          }
        } else {
          if (state) state.hidden = true;
          setText('count-waiting', String(queues.leads.visible));
          setText('count-inflight', String(queues.leads.inFlight));
          const parked = queues.deadLetter.visible + queues.deadLetter.inFlight;
          setText('count-dlq', String(parked));
          byId('count-dlq-box')?.classList.toggle('alert', parked > 0);
          const dlq = String(parked);
          if (dlqSignature !== undefined && dlqSignature !== dlq) await refresh('dlq');
          dlqSignature = dlq;
        }
        const delivered =
          (status.recent.byOutcome.delivered ?? 0) +
          (status.recent.byOutcome.duplicate ?? 0) -
          (status.recent.deduplicated ?? 0);
        setText('count-delivered', String(delivered));
        const newest = status.recent.attempts[0];
        const leads = `${status.recent.total}:${newest?.messageId ?? ''}:${newest?.at ?? ''}`;
        const changed = leadsSignature !== undefined && leadsSignature !== leads;
        if (changed) await refresh('leads');
        leadsSignature = leads;
        // The charts follow new attempts at once, and the clock (a new minute) every 15 s.
        activityTicks++;
        if (changed || activityTicks >= 15) {
          activityTicks = 0;
          await refresh('activity');
        }
      }
    } catch {
      // leadgate stopped or restarting: try again on the next tick.
    }
    window.setTimeout(poll, 1000);
  }

  async function redrive(body: Record<string, unknown>, button: HTMLButtonElement): Promise<void> {
    button.disabled = true;
    setText('dlq-result', 'Redriving...');
    try {
      const response = await postJson('/_local/dlq/redrive', body);
      const answer = (await response.json()) as { moved?: number; error?: { message: string } };
      setText(
        'dlq-result',
        response.ok
          ? `${answer.moved ?? 0} ${answer.moved === 1 ? 'lead' : 'leads'} sent back to the leads queue.`
          : (answer.error?.message ?? `Failed (${response.status}).`),
      );
    } catch {
      setText('dlq-result', 'leadgate does not answer.');
    }
    button.disabled = false;
    await refresh('dlq');
  }

  function showPreview(answer: PreviewAnswer, ok: boolean): void {
    const result = byId('playground-result');
    if (!result) return;
    result.replaceChildren();
    if (!ok || !answer.leads) {
      result.append(element('p', answer.error?.message ?? 'The preview failed.', 'error'));
      return;
    }
    if (answer.fileInvalid) {
      const stale = element('div', undefined, 'error preview-stale');
      stale.setAttribute('role', 'alert');
      stale.append(element('strong', `✘ ${answer.fileInvalid.message}`));
      const list = element('ul');
      for (const problem of answer.fileInvalid.problems) list.append(element('li', problem));
      stale.append(list);
      result.append(stale);
    }
    answer.leads.forEach((lead, index) => {
      const block = element('div', undefined, `preview ${lead.ok ? 'ok' : 'bad'}`);
      const label = answer.leads && answer.leads.length > 1 ? ` (lead ${index + 1})` : '';
      const unresolved = lead.ok && lead.unresolved.length > 0;
      block.append(
        element(
          'h3',
          (!lead.ok
            ? `✘ This lead would be refused${label}`
            : unresolved
              ? `✘ Not ready to send${label}: custom field names not resolved to IDs`
              : `✔ Leadsin body${label}`) + (answer.fileInvalid ? ' (by the last valid version)' : ''),
        ),
      );
      if (lead.spam)
        block.append(element('p', 'The honeypot field is filled in: this lead is dropped as spam.', 'note'));
      if (lead.ok) block.append(element('pre', JSON.stringify(lead.body, null, 2), 'preview-body'));
      if (lead.customFields && lead.customFields.length > 0) {
        const names = lead.customFields
          .map((field) => `${field.ID} = ${field.Name ?? '(not in sources/custom-fields.json)'}`)
          .join(', ');
        block.append(element('p', `Custom fields: ${names}`, 'muted preview-custom-fields'));
      } else {
        const list = element('ul', undefined, 'preview-errors');
        for (const [field, problem] of Object.entries(lead.errors ?? {}))
          list.append(element('li', `${field}: ${problem}`));
        block.append(list);
      }
      if (lead.unresolved.length > 0) {
        block.append(
          element(
            'p',
            `Not resolved (no custom-field list): ${lead.unresolved.join(', ')}. Run leadgate fields pull.`,
            'note',
          ),
        );
      }
      const origin = answer.customFields ? ` · custom field names from ${answer.customFields}` : '';
      block.append(element('p', `Input fields: ${lead.fields.join(', ') || '(none)'}${origin}`, 'muted'));
      result.append(block);
    });
  }

  document.addEventListener('click', (event) => {
    const target = event.target instanceof Element ? event.target : null;
    const one = target?.closest<HTMLButtonElement>('button[data-redrive]');
    if (one) void redrive({ messageId: one.dataset.redrive }, one);
    const all = target?.closest<HTMLButtonElement>('button[data-redrive-all]');
    if (all) void redrive({ all: true }, all);
    // A duplicate's link to the lead that was sent: open that lead's details too.
    const link = target?.closest<HTMLAnchorElement>('a[data-lead-link]');
    const sent = link ? byId(link.hash.slice(1)) : null;
    if (sent instanceof HTMLDetailsElement) sent.open = true;
  });

  const form = byId('playground-form') as HTMLFormElement | null;
  const select = byId('playground-source') as HTMLSelectElement | null;
  const payload = byId('playground-payload') as HTMLTextAreaElement | null;
  select?.addEventListener('change', async () => {
    const response = await fetch(`/_local/sample?source=${encodeURIComponent(select.value)}`);
    if (response.ok && payload) payload.value = ((await response.json()) as { payload: string }).payload;
    byId('playground-result')?.replaceChildren();
  });
  form?.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!select || !payload) return;
    try {
      const response = await postJson('/_local/preview', { sourceId: select.value, payload: payload.value });
      showPreview((await response.json()) as PreviewAnswer, response.ok);
    } catch {
      showPreview({ error: { message: 'leadgate does not answer.' } }, false);
    }
  });

  void poll();
}

/**
 * The script's text as served at `/_local/app.js`. Node strips the types to spaces; the blank runs
 * that leaves are trimmed (the script has no multi-line strings, so no text changes).
 */
export const dashboardScript = `'use strict';\n(${dashboardApp
  .toString()
  .replace(/[ \t]+$/gm, '')
  .replace(/\n{2,}/g, '\n')})();\n`;
