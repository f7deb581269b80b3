import type { OnpipelineClient } from '#shared/onpipeline/client.ts';
import type { DeliveryOutcome } from '#shared/onpipeline/outcome.ts';
import type { LeadsinBody } from '#shared/onpipeline/schema.ts';

/**
 * An Onpipeline client for deliver's tests, with no network: it answers each lead by its LastName
 * (`answers`), 201 with a new LeadID otherwise, and records every Leadsin body it got; it lists
 * custom fields with `listCustomFields` (none by default), counting the calls; deliver never creates
 * custom fields, so it throws if asked to.
 *
 * @example
 * const onpipeline = scriptedOnpipeline({ answers: { Busy: { kind: 'transient', ... } } });
 * // ... deliver with onpipeline.client ...
 * expect(onpipeline.received).toEqual([...]);
 */
export function scriptedOnpipeline(
  options: {
    answers?: Record<string, DeliveryOutcome>;
    listCustomFields?: () => Promise<{ Name: string; ID: string }[]>;
  } = {},
) {
  const received: LeadsinBody[] = [];
  let lists = 0;
  const client: OnpipelineClient = {
    async sendLead(body) {
      received.push(body);
      return (
        options.answers?.[body.LastName] ?? {
          kind: 'delivered',
          status: 201,
          leadId: `op-${received.length}`,
        }
      );
    },
    async listCustomFields() {
      lists += 1;
      return options.listCustomFields ? options.listCustomFields() : [];
    },
    async addCustomField() {
      throw new Error('deliver never creates custom fields');
    },
  };
  return { client, received, lists: () => lists };
}
