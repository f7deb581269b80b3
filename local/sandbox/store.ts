import { appendFileSync, mkdirSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ulid } from 'ulid';
import { z } from 'zod';
import { type LeadsinBody, leadsinBodySchema } from '#shared/onpipeline/schema.ts';

/** A lead the sandbox accepted, as `GET /_sandbox/leads` lists it. */
export interface ReceivedLead {
  /** The `LeadID` answered with the 201. */
  leadId: string;
  /** When the sandbox stored the lead, ISO 8601 in UTC. */
  receivedAt: string;
  /** The `Leadsin` body, as validated. */
  body: LeadsinBody;
}

const receivedLeadSchema = z.object({
  leadId: z.string().min(1),
  receivedAt: z.string().min(1),
  body: leadsinBodySchema,
});

/**
 * The leads the sandbox received, oldest first, kept in memory and, when a data file is given,
 * appended to it as JSON lines so they survive a restart.
 */
export class LeadStore {
  readonly #leads: ReceivedLead[];
  readonly #file: string | undefined;

  private constructor(leads: ReceivedLead[], file: string | undefined) {
    this.#leads = leads;
    this.#file = file;
  }

  /**
   * Opens a store, reloading the leads of `file` when it exists. Lines that are not a valid received
   * lead (e.g. one torn by a crash mid-write) are skipped.
   */
  static async open(file?: string): Promise<LeadStore> {
    if (file === undefined) return new LeadStore([], undefined);
    mkdirSync(dirname(file), { recursive: true });
    let text = '';
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const leads: ReceivedLead[] = [];
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      try {
        const parsed = receivedLeadSchema.safeParse(JSON.parse(line));
        if (parsed.success) leads.push(parsed.data);
      } catch {
        // A torn line: skip it.
      }
    }
    return new LeadStore(leads, file);
  }

  /** Stores a lead under a new unique `LeadID` and returns it. The data file is written before this returns. */
  add(body: LeadsinBody, now: Date = new Date()): ReceivedLead {
    const lead: ReceivedLead = { leadId: ulid(now.getTime()), receivedAt: now.toISOString(), body };
    if (this.#file !== undefined) appendFileSync(this.#file, `${JSON.stringify(lead)}\n`);
    this.#leads.push(lead);
    return structuredClone(lead);
  }

  /** A copy of the leads, oldest first. */
  all(): ReceivedLead[] {
    return structuredClone(this.#leads);
  }

  /** Forgets every lead and truncates the data file. */
  async clear(): Promise<void> {
    this.#leads.length = 0;
    if (this.#file !== undefined) await writeFile(this.#file, '');
  }
}
