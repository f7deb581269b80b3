import { describe, expect, it } from 'vitest';
import { deliveryLog } from '#local/dashboard/deliveries.ts';
import { duplicateNote, sentBody } from '#local/dashboard/duplicates.ts';
import type { DeliveryAttempt } from '#shared/delivery/deliver.ts';
import type { Envelope } from '#shared/envelope.ts';

const envelope = (id: string, lastName: string): Envelope => ({
  v: 1,
  id,
  sourceId: 'acme',
  channel: 'partner',
  receivedAt: '2026-12-04T10:00:00.000Z',
  dedupeKey: 'partner:acme:lead:ACME-7',
  fields: { last_name: lastName },
  context: {},
});

function attempt(messageId: string, lead: Envelope, replayed: boolean): DeliveryAttempt {
  return {
    at: '2026-12-04T10:00:01.000Z',
    messageId,
    envelope: lead,
    outcome: { kind: 'delivered', status: 201, leadId: '9001', ...(replayed ? { replayed: true } : {}) },
    body: replayed ? undefined : { FirstName: 'Primo', LastName: lead.fields.last_name as string },
    attempt: 1,
  };
}

/** Observes the first delivery of the key, then `duplicate`; returns how the list shows the duplicate. */
function shown(duplicate: DeliveryAttempt) {
  const log = deliveryLog();
  log.observe(attempt('m-1', envelope('LEAD1', 'Original'), false));
  log.observe(duplicate);
  const observed = log.recent()[0];
  if (!observed) throw new Error('nothing observed');
  return {
    note: duplicateNote(observed, new Set(['LEAD1']))?.toString() ?? '',
    body: sentBody(observed),
  };
}

describe('the dashboard: duplicates of a delivered lead', () => {
  it('shows a redelivery of the sent message as an earlier attempt of the same lead', () => {
    // Act
    const { note, body } = shown(attempt('m-1', envelope('LEAD1', 'Original'), true));

    // Assess
    expect(note).toContain('Already delivered by an earlier attempt of this lead (Onpipeline LeadID 9001)');
    expect(body.title).toBe('Leadsin body sent');
    expect(body.body).toEqual({ FirstName: 'Primo', LastName: 'Original' });
  });

  it('shows a resend of the lead (same id, another message) as a duplicate of its first copy', () => {
    // Act
    const { note, body } = shown(attempt('m-2', envelope('LEAD1', 'Repeat'), true));

    // Assess
    expect(note).toContain('data-duplicate-of="LEAD1"');
    expect(note).toContain('Duplicate of <a href="#sent-LEAD1"');
    expect(body.title).toBe('Leadsin body sent (by its first copy)');
    expect(body.body).toEqual({ FirstName: 'Primo', LastName: 'Original' });
  });

  it('shows another lead with the same dedupe key as a duplicate of the lead sent', () => {
    // Act
    const { note, body } = shown(attempt('m-3', envelope('LEAD2', 'Other'), true));

    // Assess
    expect(note).toContain('Duplicate of <a href="#sent-LEAD1" data-lead-link="LEAD1">lead LEAD1</a>');
    expect(body.title).toBe('Leadsin body sent (by lead LEAD1)');
    expect(body.body).toEqual({ FirstName: 'Primo', LastName: 'Original' });
  });

  it('says so when the lead was delivered before the runtime started', () => {
    // Prepare
    const log = deliveryLog();

    // Act
    log.observe(attempt('m-4', envelope('LEAD3', 'Late'), true));
    const observed = log.recent()[0];

    // Assess
    expect(observed && duplicateNote(observed, new Set())?.toString()).toContain(
      'Duplicate of a lead delivered before leadgate last started (Onpipeline LeadID 9001)',
    );
    expect(observed && sentBody(observed).title).toBe('Leadsin body sent');
  });
});
