/**
 * `npm run chaos -- --leads N`: runs the fault scenario on this machine and prints what became of the
 * leads: delivered / duplicated / dead-lettered / lost. Faults are rates per Leadsin call:
 *   --transient 0.2     500s, 429s (Retry-After) and connection resets before answering, split evenly
 *   --permanent 0.05    406 answers (those leads must end in the DLQ)
 *   --ambiguous 0.05    commit-then-drop: Onpipeline stores the lead but the connection drops
 *   --seed 42           deterministic faults
 * Exits 1 when any lead was lost.
 */
import { parseArgs } from 'node:util';

process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
const { runChaos } = await import('#local/chaos.ts');

const { values } = parseArgs({
  options: {
    leads: { type: 'string', default: '1000' },
    transient: { type: 'string', default: '0.2' },
    permanent: { type: 'string', default: '0' },
    ambiguous: { type: 'string', default: '0' },
    seed: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const number = (name: string, text: string | undefined, max: number) => {
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0 || value > max) {
    console.error(`--${name} must be a number from 0 to ${max}`);
    process.exit(2);
  }
  return value;
};
const leads = Math.floor(number('leads', values.leads, 1_000_000));
const transient = number('transient', values.transient, 1);
const report = await runChaos({
  leads,
  faults: {
    error500: transient / 3,
    rateLimit429: transient / 3 / (1 - transient / 3),
    resetBeforeAnswer: transient / 3 / (1 - (2 * transient) / 3),
    reject406: number('permanent', values.permanent, 1),
    commitThenDrop: number('ambiguous', values.ambiguous, 1),
    ...(values.seed ? { seed: Number(values.seed) } : {}),
  },
  timeoutMs: Math.max(120_000, leads * 100),
  onProgress: (line) => console.error(line),
});
if (values.json) console.log(JSON.stringify(report, null, 2));
else {
  console.log(`
leads posted      ${report.leads}
accepted          ${report.accepted}
delivered         ${report.delivered}
duplicated        ${report.duplicated}   (extra copies in Onpipeline; ambiguous attempts: ${report.ambiguousAttempts})
dead-lettered     ${report.deadLettered}
lost              ${report.lost}
faults injected   ${JSON.stringify(report.faultsInjected)}
time              ${report.seconds} s`);
}
process.exit(report.lost > 0 ? 1 : 0);
