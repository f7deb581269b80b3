import { RemovalPolicy } from 'aws-cdk-lib';
import {
  CfnEIP,
  FlowLogDestination,
  FlowLogTrafficType,
  GatewayVpcEndpointAwsService,
  NatProvider,
  Peer,
  Port,
  SecurityGroup,
  SubnetType,
  Vpc,
} from 'aws-cdk-lib/aws-ec2';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/**
 * The logical ID of the Elastic IP the stack allocates. Pinned: if a refactoring changed it,
 * CloudFormation would allocate a new address (and retain the old one), and Onpipeline's
 * whitelist would no longer match.
 */
export const EGRESS_EIP_LOGICAL_ID = 'NatEgressIp';

export interface EgressNetworkProps {
  /** An existing Elastic IP allocation (`eipalloc-...`); default: allocate one and retain it. */
  eipAllocationId?: string | undefined;
  /** Ports the deliver function may reach on any IPv4 address besides 443 (a custom Onpipeline port). */
  extraEgressPorts?: number[];
  logRetention: RetentionDays;
  /** Name tag of the allocated Elastic IP. */
  name: string;
}

/**
 * The network the deliver function sends from: a VPC with public and private subnets in two AZs,
 * exactly one NAT gateway whose Elastic IP is the one address Onpipeline whitelists, VPC flow logs,
 * a free DynamoDB gateway endpoint, and a security group that allows outbound HTTPS only.
 *
 * @example
 * const network = new EgressNetwork(this, 'Network', {
 *   logRetention: RetentionDays.ONE_MONTH,
 *   name: 'Leadgate',
 * });
 * new CfnOutput(this, 'EgressIpAllocationId', { value: network.eipAllocationId });
 */
export class EgressNetwork extends Construct {
  readonly vpc: Vpc;
  /** The security group of functions that send from this network. */
  readonly securityGroup: SecurityGroup;
  readonly eipAllocationId: string;
  /** The Elastic IP, when this construct allocated it (not when an existing allocation was given). */
  readonly eip: CfnEIP | undefined;

  constructor(scope: Construct, id: string, props: EgressNetworkProps) {
    super(scope, id);

    if (props.eipAllocationId === undefined) {
      this.eip = new CfnEIP(this, 'Eip', {
        domain: 'vpc',
        tags: [{ key: 'Name', value: `${props.name}-egress` }],
      });
      this.eip.overrideLogicalId(EGRESS_EIP_LOGICAL_ID);
      // Onpipeline whitelists this address: it must survive stack updates, replacements and deletion.
      this.eip.applyRemovalPolicy(RemovalPolicy.RETAIN);
      this.eipAllocationId = this.eip.attrAllocationId;
    } else {
      this.eip = undefined;
      this.eipAllocationId = props.eipAllocationId;
    }

    const flowLogs = new LogGroup(this, 'FlowLogs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.vpc = new Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 1,
      // The given allocation instead of a new EIP per NAT gateway.
      natGatewayProvider: NatProvider.gateway({ eipAllocationIds: [this.eipAllocationId] }),
      subnetConfiguration: [
        { name: 'public', subnetType: SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'private', subnetType: SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 24 },
      ],
      // Nothing uses the default security group; restricting it would add a custom-resource Lambda.
      restrictDefaultSecurityGroup: false,
      flowLogs: {
        all: {
          destination: FlowLogDestination.toCloudWatchLogs(flowLogs),
          trafficType: FlowLogTrafficType.ALL,
        },
      },
      // A free gateway endpoint: idempotency reads and writes skip the NAT gateway and its per-GB fee.
      gatewayEndpoints: {
        DynamoDb: {
          service: GatewayVpcEndpointAwsService.DYNAMODB,
          subnets: [{ subnetType: SubnetType.PRIVATE_WITH_EGRESS }],
        },
      },
    });

    this.securityGroup = new SecurityGroup(this, 'SecurityGroup', {
      vpc: this.vpc,
      description: 'leadgate deliver: outbound HTTPS only (Onpipeline, SQS, Secrets Manager, DynamoDB)',
      allowAllOutbound: false,
    });
    this.securityGroup.addEgressRule(Peer.anyIpv4(), Port.tcp(443), 'HTTPS to Onpipeline and AWS APIs');
    for (const port of new Set(props.extraEgressPorts ?? [])) {
      if (port !== 443)
        this.securityGroup.addEgressRule(Peer.anyIpv4(), Port.tcp(port), `Onpipeline on ${port}`);
    }
  }
}
