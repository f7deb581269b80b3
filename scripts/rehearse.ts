/**
 * `npm run rehearse`: the deploy rehearsal. Synthesises the stack and runs the function packages from
 * the cloud assembly (exactly what `cdk deploy` would upload) against local stand-ins of SQS,
 * DynamoDB, Secrets Manager and Onpipeline; prints one line per lead and exits non-zero unless each
 * was delivered exactly once. docs/operations.md, "Deploy rehearsal". `--keep` keeps the scratch folder.
 */
import { defaultProjectRoot, rehearse } from './rehearsal/rehearse.ts';

const keep = process.argv.includes('--keep');
const started = performance.now();
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(1)} s`.padStart(7);
const result = await rehearse({
  projectRoot: defaultProjectRoot,
  keep,
  log: (line) => console.log(`${elapsed()} · ${line}`),
});
for (const lead of result.leads) {
  console.log(`${lead.channel.padEnd(8)} ${lead.sourceId.padEnd(20)} ${lead.leadId || '-'}  ${lead.outcome}`);
}
for (const problem of result.problems) console.log(`problem: ${problem}`);
if (!result.ok) {
  for (const [name, output] of Object.entries(result.logs)) {
    console.error(`\n── ${name} output (last 4000 characters) ──\n${output.slice(-4000)}`);
  }
  console.error('\nrehearsal FAILED');
  process.exit(1);
}
console.log('rehearsal passed: every lead delivered exactly once');
