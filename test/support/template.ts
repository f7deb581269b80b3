import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { projectRoot } from '#infra/stack.ts';

/** A value of a synthesised CloudFormation template: plain JSON, read by shape in the infra tests. */
// biome-ignore lint/suspicious/noExplicitAny: template JSON is untyped; the assertions check its shape
export type Json = any;
export type Resource = {
  Type: string;
  Properties: Record<string, Json>;
  DeletionPolicy?: string;
  Metadata?: Json;
};

/**
 * cdk.json's context (feature flags) plus the path metadata `cdk synth` asks for, so a test's `App`
 * synthesises what the CLI does and resources can be found by their construct path.
 */
export const cdkContext = {
  ...JSON.parse(readFileSync(join(projectRoot, 'cdk.json'), 'utf8')).context,
  'aws:cdk:enable-path-metadata': true,
};

/**
 * Lookups in a template's resources, read through `resources()` when called (the template is
 * synthesised in a `beforeAll`).
 *
 * @example
 * const { ofType, logicalIdOf, alarms } = templateQueries(() => resources);
 * logicalIdOf('AWS::SNS::Topic', '/AlarmTopic/'); // 'AlarmTopicD01E77F9'
 */
export function templateQueries(resources: () => Record<string, Resource>) {
  /** The resources of a type, with their logical ids. */
  const ofType = (type: string): [string, Resource][] =>
    Object.entries(resources()).filter(([, resource]) => resource.Type === type);
  /** The logical id of the one resource of `type` whose construct path contains `pathPart`. */
  const logicalIdOf = (type: string, pathPart: string): string => {
    const found = ofType(type).filter(([, resource]) =>
      resource.Metadata?.['aws:cdk:path']?.includes(pathPart),
    );
    expect(found, `${type} at *${pathPart}*`).toHaveLength(1);
    return found[0]?.[0] ?? '';
  };
  /** The properties of every CloudWatch alarm. */
  const alarms = (): Record<string, Json>[] =>
    ofType('AWS::CloudWatch::Alarm').map(([, alarm]) => alarm.Properties);
  return { ofType, logicalIdOf, alarms };
}
