import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Aws, type Duration, RemovalPolicy, Stack, Stage, Validations } from 'aws-cdk-lib';
import type { ISecurityGroup, IVpc, SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import { Policy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { BUNDLE_OPTIONS, buildLazyFiles, LAZY_DIR, LAZY_EXTERNAL, lazyAliases } from '#infra/bundling.ts';
import { SOURCES_BUNDLE_FILE } from '#shared/sources/bundle.ts';

/** Where the functions find the source configs inside the deployment package. */
export const SOURCES_DIR_IN_BUNDLE = '/var/task/sources';

export interface LeadgateFunctionProps {
  /** Absolute path of the handler module (exports `handler`). */
  entry: string;
  /** Repository root: holds package.json, package-lock.json and tsconfig.json. */
  projectRoot: string;
  description: string;
  timeout: Duration;
  memorySize: number;
  /**
   * X-Ray: `active` (Lambda samples and traces; the role may write traces) or `disabled` (no tracing
   * config, so Lambda's default pass-through, and no X-Ray permission); the `tracing` setting, infra/sizing.ts.
   */
  tracing: 'active' | 'disabled';
  /** Settings for the function; never a secret value (secrets are read by name from Secrets Manager). */
  environment: Record<string, string>;
  logRetention: RetentionDays;
  /**
   * The validated source configs (`sourcesBundleText` of #shared/sources/bundle.ts), written to
   * `SOURCES_DIR_IN_BUNDLE/sources.json` in the package.
   */
  sourcesBundle: string;
  /** Reserved concurrency; default none (the function shares the account's unreserved pool). */
  reservedConcurrentExecutions?: number | undefined;
  vpc?: IVpc;
  vpcSubnets?: SubnetSelection;
  securityGroups?: ISecurityGroup[];
}

/** The lazy files built by this process, by folder: one build per synth, shared by the functions. */
const lazyBuilds = new Set<string>();

/**
 * A leadgate Lambda function with the house defaults: Node.js 24 on arm64, bundled by the local
 * esbuild (never Docker) into one minified CommonJS file with source maps, plus the files it loads on
 * first use (`lazy/`, infra/bundling.ts), its own log group with a
 * retention, and its own role that may write to that log group and nothing else until the stack
 * grants more. The validated source configs go into the package next to the code, as one JSON file. In a VPC, the role
 * also gets the network-interface actions Lambda needs to attach the function to its subnets.
 *
 * @example
 * const capture = new LeadgateFunction(this, 'Capture', {
 *   entry: join(root, 'functions/capture.ts'),
 *   projectRoot: root,
 *   description: 'HTTP API → leads queue',
 *   timeout: Duration.seconds(10),
 *   memorySize: 512,
 *   tracing: 'active',
 *   environment: { LEADS_QUEUE_URL: leads.queueUrl },
 *   logRetention: RetentionDays.ONE_MONTH,
 *   sourcesBundle: sourcesBundleText(loadSources('/repo/sources')),
 * });
 * capture.role.addToPrincipalPolicy(
 *   new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [leads.queueArn] }),
 * );
 */
export class LeadgateFunction extends Construct {
  /**
   * Writes the sources bundle into the cloud assembly's folder (named by its content) for the
   * bundling step to copy; the assembly is where synth writes anyway.
   */
  private sourcesBundleFile(text: string): string {
    const dir = join(Stage.of(this)?.outdir ?? tmpdir(), 'leadgate-sources');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${createHash('sha256').update(text).digest('hex').slice(0, 16)}.json`);
    writeFileSync(file, text);
    return file;
  }

  /** Builds the lazy files (infra/bundling.ts) once per synth into the cloud assembly's folder. */
  private lazyFilesDir(projectRoot: string): string {
    const dir = join(Stage.of(this)?.outdir ?? tmpdir(), 'leadgate-lazy');
    if (!lazyBuilds.has(dir)) {
      buildLazyFiles(dir, projectRoot);
      lazyBuilds.add(dir);
    }
    return join(dir, LAZY_DIR);
  }

  readonly fn: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: LeadgateFunctionProps) {
    super(scope, id);

    this.logGroup = new LogGroup(this, 'LogGroup', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // A role of our own instead of the AWS managed AWSLambdaBasicExecutionRole (which may write to
    // every log group): this function may write to its own log group only.
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${id}`,
    });
    this.logGroup.grantWrite(this.role);

    this.fn = new NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      projectRoot: props.projectRoot,
      depsLockFilePath: `${props.projectRoot}/package-lock.json`,
      description: props.description,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      // X-Ray: Lambda's own segments (init, the invocation) at no code cost; which function is traced
      // and why is in infra/sizing.ts. CDK grants the X-Ray actions unless DISABLED.
      tracing: props.tracing === 'active' ? Tracing.ACTIVE : Tracing.DISABLED,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      environment: { NODE_OPTIONS: '--enable-source-maps', ...props.environment },
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
      securityGroups: props.securityGroups,
      bundling: {
        forceDockerBundling: false,
        // CommonJS: an ESM bundle makes Node load its internal undici through the ES module loader when
        // it imports node:http, ~37 ms of cold start more (BENCHMARKS.md, "Cold start").
        // (the values come from BUNDLE_OPTIONS of infra/bundling.ts, which the lazy files, the bundling
        // test and bench/coldstart.ts use too; bench/coldstart.ts fails if this block drifts from it)
        format: OutputFormat.CJS,
        mainFields: [...BUNDLE_OPTIONS.mainFields],
        minify: BUNDLE_OPTIONS.minify,
        sourceMap: true,
        sourceMapMode: SourceMapMode.EXTERNAL,
        sourcesContent: BUNDLE_OPTIONS.sourcesContent,
        // The same SDK versions run here as in the tests and on one machine, not the runtime's copy.
        bundleAwsSDK: true,
        // what the handler loads on first use is not in index.js but in lazy/, next to it
        externalModules: [LAZY_EXTERNAL],
        esbuildArgs: {
          '--alias': Object.entries(lazyAliases()).map(([from, to]) => `${from}=${to}`),
          '--supported:dynamic-import': String(BUNDLE_OPTIONS.supported['dynamic-import']),
        },
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (_inputDir: string, outputDir: string) => [
            ...copySourcesCommands(this.sourcesBundleFile(props.sourcesBundle), outputDir),
            `cp -R ${shellQuote(this.lazyFilesDir(props.projectRoot))} ${shellQuote(`${outputDir}/${LAZY_DIR}`)}`,
          ],
        },
      },
    });

    // X-Ray's PutTraceSegments and PutTelemetryRecords support no resource-level permissions: CDK
    // grants them on "*" in the role's default policy, next to statements that all name their ARN.
    // Acknowledged only when traced: otherwise a "*" in that policy is a finding.
    const defaultPolicy = this.role.node.tryFindChild('DefaultPolicy');
    if (props.tracing === 'active' && defaultPolicy !== undefined) {
      Validations.of(defaultPolicy).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'Only xray:PutTraceSegments and xray:PutTelemetryRecords, which CDK adds for active tracing: ' +
          'X-Ray supports no resource-level permissions for them. Every sqs, dynamodb, secretsmanager ' +
          'and logs statement of this policy names its ARN (test/infra/stack.test.ts checks both).',
      });
    }

    if (props.vpc !== undefined) {
      // What AWSLambdaVPCAccessExecutionRole grants, minus its writes to every log group, and scoped to
      // this function's VPC: Lambda creates and deletes the function's network interfaces with this
      // role, so it may touch network interfaces, subnets and security groups of this VPC only.
      // A policy of its own, so the acknowledgements below cover these statements and nothing added later.
      const inThisVpc = (type: string) =>
        `arn:${Aws.PARTITION}:ec2:${Aws.REGION}:${Aws.ACCOUNT_ID}:${type}/*`;
      const vpcArn = Stack.of(this).formatArn({
        service: 'ec2',
        resource: 'vpc',
        resourceName: props.vpc.vpcId,
      });
      const vpcAccess = new Policy(this, 'VpcAccess', {
        roles: [this.role],
        statements: [
          new PolicyStatement({
            actions: [
              'ec2:CreateNetworkInterface',
              'ec2:DeleteNetworkInterface',
              'ec2:AssignPrivateIpAddresses',
              'ec2:UnassignPrivateIpAddresses',
            ],
            resources: [inThisVpc('network-interface'), inThisVpc('subnet'), inThisVpc('security-group')],
            conditions: { ArnEquals: { 'ec2:Vpc': vpcArn } },
          }),
          new PolicyStatement({
            actions: ['ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets'],
            resources: ['*'],
          }),
        ],
      });
      // Lambda checks these permissions when it creates the function, and needs them until it is deleted.
      this.fn.node.addDependency(vpcAccess);
      Validations.of(vpcAccess).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'Only ec2:DescribeNetworkInterfaces and ec2:DescribeSubnets, which Lambda calls to attach this ' +
          'function to its VPC subnets: EC2 Describe actions support no resource-level permissions and ' +
          'grant no access to any data. The actions that change anything are scoped to this VPC.',
      });
      for (const type of ['network-interface', 'subnet', 'security-group']) {
        Validations.of(vpcAccess).acknowledge({
          id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:${type}/*]`,
          reason:
            "Lambda creates, deletes and re-addresses this function's network interfaces with this role; " +
            'their ids are not known before Lambda creates them. The statement is limited by the ' +
            'condition ec2:Vpc to the network interfaces, subnets and security groups of this VPC ' +
            '(docs/operations.md, "Security review").',
        });
      }
    }
  }
}

/** Shell commands that copy the sources bundle into `<outputDir>/sources/sources.json`. */
function copySourcesCommands(bundleFile: string, outputDir: string): string[] {
  const target = `${outputDir}/sources`;
  return [
    `mkdir -p ${shellQuote(target)}`,
    `cp ${shellQuote(bundleFile)} ${shellQuote(`${target}/${SOURCES_BUNDLE_FILE}`)}`,
  ];
}

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}
