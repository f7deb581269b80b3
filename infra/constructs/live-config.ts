import { ArnFormat, Stack, Validations } from 'aws-cdk-lib';
import {
  CfnApplication,
  CfnConfigurationProfile,
  CfnDeploymentStrategy,
  CfnEnvironment,
} from 'aws-cdk-lib/aws-appconfig';
import { type IGrantable, ManagedPolicy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { z } from 'zod';
import { sourceConfigSchema, sourceIdPattern } from '#shared/sources/schema.ts';

export interface LiveConfigProps {
  /** Prefix of the names (the stack name). */
  name: string;
  /**
   * Names of the alarms that roll a deployment back when they fire during it or its bake time (at
   * most 5). Names, not alarm objects: the alarms watch the functions, the functions read this
   * environment, so a reference would be a dependency cycle; the ARNs are built from the names.
   */
  rollbackAlarmNames: readonly string[];
  /** Minutes AppConfig watches the alarms after a deployment reached every function; 1–2 is plenty. */
  bakeMinutes?: number;
}

/**
 * The JSON Schema (draft-04, the version AppConfig validators use) of the document
 * `leadgate sources publish` writes: `{ version, sources: { <id>: <source config> } }`, generated
 * from the same zod schema as `sources/schema.json`. AppConfig refuses a version that does not
 * match before it can be deployed (https://docs.aws.amazon.com/appconfig/latest/userguide/appconfig-creating-configuration-and-profile-validators.html).
 */
export function publishedDocumentJsonSchema(): string {
  const { $schema, definitions, ...source } = z.toJSONSchema(sourceConfigSchema, {
    io: 'input',
    unrepresentable: 'any',
    target: 'draft-4',
  }) as Record<string, unknown>;
  return JSON.stringify({
    $schema,
    title: 'leadgate published sources',
    type: 'object',
    required: ['version', 'sources'],
    additionalProperties: false,
    properties: {
      version: { type: ['string', 'integer'], pattern: '^[A-Za-z0-9._-]{1,64}$' },
      sources: {
        type: 'object',
        // draft-04 has no propertyNames: source ids are the pattern properties, nothing else
        patternProperties: { [sourceIdPattern.source]: source },
        additionalProperties: false,
      },
    },
    ...(definitions ? { definitions } : {}),
  });
}

/**
 * The source configs as an AWS AppConfig hosted configuration (docs/operations.md, "Publishing
 * sources"): an application, one environment whose monitors are the delivery alarms (a deployment
 * rolls back by itself when one fires), a freeform profile validated by the JSON Schema of the
 * published document, and a strategy that puts a version live at once and watches it for a short
 * bake. `grantRead` lets a function poll it (AppConfigData); `publishPolicy` is what a person or CI
 * needs to publish, list and roll back this configuration, and nothing else.
 */
export class LiveConfig extends Construct {
  readonly application: CfnApplication;
  readonly environment: CfnEnvironment;
  readonly profile: CfnConfigurationProfile;
  readonly strategy: CfnDeploymentStrategy;
  readonly publishPolicy: ManagedPolicy;
  readonly monitorRole: Role;

  constructor(scope: Construct, id: string, props: LiveConfigProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const alarmArns = props.rollbackAlarmNames.map((alarmName) =>
      stack.formatArn({
        service: 'cloudwatch',
        resource: 'alarm',
        resourceName: alarmName,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
    );
    if (alarmArns.length > 5) throw new Error('AppConfig takes at most 5 monitors per environment');

    this.application = new CfnApplication(this, 'Application', {
      name: `${props.name}-sources`,
      description: 'leadgate source configs published without a deployment (leadgate sources publish)',
    });
    // AppConfig assumes this role to read the alarms' state during a deployment
    // (https://docs.aws.amazon.com/appconfig/latest/userguide/getting-started-with-appconfig-cloudwatch-alarms-permissions.html)
    this.monitorRole = new Role(this, 'MonitorRole', {
      assumedBy: new ServicePrincipal('appconfig.amazonaws.com'),
      description: 'AppConfig reads the leadgate delivery alarms to roll back a bad sources deployment',
    });
    this.monitorRole.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['cloudwatch:DescribeAlarms'],
        resources: alarmArns,
      }),
    );
    this.environment = new CfnEnvironment(this, 'Environment', {
      applicationId: this.application.ref,
      name: 'live',
      description: 'What the capture and deliver functions read',
      monitors: alarmArns.map((alarmArn) => ({
        alarmArn,
        alarmRoleArn: this.monitorRole.roleArn,
      })),
    });
    this.profile = new CfnConfigurationProfile(this, 'Profile', {
      applicationId: this.application.ref,
      name: 'sources',
      locationUri: 'hosted',
      type: 'AWS.Freeform',
      description:
        '{ version, sources: { <sourceId>: <source config> } }, written by leadgate sources publish',
      validators: [{ type: 'JSON_SCHEMA', content: publishedDocumentJsonSchema() }],
    });
    this.strategy = new CfnDeploymentStrategy(this, 'Strategy', {
      name: `${props.name}-sources-at-once`,
      description: 'All functions at once, then watched by the delivery alarms for the bake time',
      deploymentDurationInMinutes: 0,
      growthFactor: 100,
      growthType: 'LINEAR',
      finalBakeTimeInMinutes: props.bakeMinutes ?? 2,
      replicateTo: 'NONE',
    });

    const arn = (resource: string) =>
      stack.formatArn({ service: 'appconfig', resource: 'application', resourceName: resource });
    const application = this.application.ref;
    const profileArn = arn(`${application}/configurationprofile/${this.profile.ref}`);
    const environmentArn = arn(`${application}/environment/${this.environment.ref}`);
    const strategyArn = stack.formatArn({
      service: 'appconfig',
      resource: 'deploymentstrategy',
      resourceName: this.strategy.ref,
    });
    // Actions and resource types: https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsappconfig.html
    this.publishPolicy = new ManagedPolicy(this, 'PublishPolicy', {
      description:
        'Publish, list and roll back the leadgate sources (leadgate sources publish|history|rollback)',
      statements: [
        new PolicyStatement({
          sid: 'PublishAndListVersions',
          actions: [
            'appconfig:CreateHostedConfigurationVersion',
            'appconfig:ListHostedConfigurationVersions',
          ],
          resources: [profileArn],
        }),
        new PolicyStatement({
          sid: 'ReadVersions',
          actions: ['appconfig:GetHostedConfigurationVersion'],
          resources: [`${profileArn}/hostedconfigurationversion/*`],
        }),
        new PolicyStatement({
          sid: 'Deploy',
          actions: ['appconfig:StartDeployment'],
          resources: [arn(application), profileArn, environmentArn, strategyArn],
        }),
        new PolicyStatement({
          sid: 'ListDeployments',
          actions: ['appconfig:ListDeployments'],
          resources: [environmentArn],
        }),
        new PolicyStatement({
          sid: 'ReadAndStopDeployments',
          actions: ['appconfig:GetDeployment', 'appconfig:StopDeployment'],
          resources: [`${environmentArn}/deployment/*`],
        }),
      ],
    });
    const wildcard = (resource: string) =>
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:appconfig:<AWS::Region>:<AWS::AccountId>:application/<${stack.getLogicalId(this.application)}>/${resource}/*]`;
    const reason =
      'The two wildcards are the version numbers of this one configuration profile ' +
      '(hostedconfigurationversion/*, for reading a version to diff and roll back) and the deployment ' +
      'numbers of this one environment (deployment/*, for reading and stopping a deployment): both are ' +
      'assigned by AppConfig at publish time and cannot be named in advance. No other profile, ' +
      'environment or application is reachable.';
    Validations.of(this.publishPolicy).acknowledge(
      {
        id: wildcard(`configurationprofile/<${stack.getLogicalId(this.profile)}>/hostedconfigurationversion`),
        reason,
      },
      { id: wildcard(`environment/<${stack.getLogicalId(this.environment)}>/deployment`), reason },
    );
  }

  /** Lets a function read the configuration through AppConfigData, and names it in its environment. */
  grantRead(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['appconfig:StartConfigurationSession', 'appconfig:GetLatestConfiguration'],
        resources: [
          Stack.of(this).formatArn({
            service: 'appconfig',
            resource: 'application',
            resourceName: `${this.application.ref}/environment/${this.environment.ref}/configuration/${this.profile.ref}`,
          }),
        ],
      }),
    );
  }
}
