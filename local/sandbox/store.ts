import { appendFileSync, mkdirSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { newLeadId } from '#shared/ids.ts';
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

/** How many leads the sandbox holds in memory (and lists): the newest; the data file keeps every one. */
export const SANDBOX_MEMORY_LEADS = 10_000;

/**
 * The leads the sandbox received, oldest first: the newest `limit` (default
 * {@link SANDBOX_MEMORY_LEADS}) kept in memory, so a long run does not grow without bound, and, when a
 * data file is given, every one appended to it as JSON lines so they survive a restart.
 */
export class LeadStore {
  readonly #leads: ReceivedLead[];
  readonly #file: string | undefined;
  readonly #limit: number;

  private constructor(leads: ReceivedLead[], file: string | undefined, limit: number) {
    this.#leads = leads.slice(-limit);
    this.#file = file;
    this.#limit = limit;
  }

  /**
   * Opens a store, reloading the leads of `file` when it exists. Lines that are not a valid received
   * lead (e.g. one torn by a crash mid-write) are skipped; only the newest `limit` are held.
   */
  static async open(file?: string, limit = SANDBOX_MEMORY_LEADS): Promise<LeadStore> {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError('limit must be a whole number ≥ 1');
    if (file === undefined) return new LeadStore([], undefined, limit);
    mkdirSync(dirname(file), { recursive: true });
    let text = '';
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    // From the end: only the newest `limit` valid lines are parsed and held.
    const leads: ReceivedLead[] = [];
    const lines = text.split('\n');
    for (let index = lines.length - 1; index >= 0 && leads.length < limit; index--) {
      const line = lines[index] as string;
      if (line.trim() === '') continue;
      try {
        const parsed = receivedLeadSchema.safeParse(JSON.parse(line));
        if (parsed.success) leads.push(parsed.data);
      } catch {
        // A torn line: skip it.
      }
    }
    leads.reverse();
    return new LeadStore(leads, file, limit);
  }

  /** Stores a lead under a new unique `LeadID` and returns it. The data file is written before this returns. */
  add(body: LeadsinBody, now: Date = new Date()): ReceivedLead {
    const lead: ReceivedLead = { leadId: newLeadId(now.getTime()), receivedAt: now.toISOString(), body };
    if (this.#file !== undefined) appendFileSync(this.#file, `${JSON.stringify(lead)}\n`);
    this.#leads.push(lead);
    if (this.#leads.length > this.#limit) this.#leads.shift();
    return structuredClone(lead);
  }

  /** A copy of the leads held (the newest `limit`), oldest first. */
  all(): ReceivedLead[] {
    return structuredClone(this.#leads);
  }

  /** Forgets every lead and truncates the data file. */
  async clear(): Promise<void> {
    this.#leads.length = 0;
    if (this.#file !== undefined) await writeFile(this.#file, '');
  }
}
