/**
 * The CDK app: `npm run synth` (cdk synth --quiet) and `npm run deploy` (cdk deploy) run this file
 * through cdk.json. Settings come from CDK context (see infra/settings.ts and docs/operations.md);
 * cdk-nag's AwsSolutions checks run on every synth and fail it on any unacknowledged finding.
 * An invalid setting or source config fails synth with the list of problems, without a stack trace.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readSettings, SettingsError } from '#infra/settings.ts';
import { LeadgateStack } from '#infra/stack.ts';
import { SourceConfigError } from '#shared/sources/errors.ts';

function main(): void {
  const app = new App();
  const settings = readSettings(app.node);

  new LeadgateStack(app, settings.stackName, {
    stackName: settings.stackName,
    description: 'leadgate: lead-capture gateway for Onpipeline CRM',
    env: { account: settings.account, region: settings.region },
    settings,
  });

  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  app.synth();
}

try {
  main();
} catch (error) {
  if (!(error instanceof SourceConfigError || error instanceof SettingsError)) throw error;
  console.error(error.message);
  process.exitCode = 1;
}
