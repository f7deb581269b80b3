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
/** The logical ID of the second NAT gateway's Elastic IP (`natGateways` 2), pinned for the same reason. */
export const EGRESS_EIP2_LOGICAL_ID = 'NatEgressIp2';

export interface EgressNetworkProps {
  /** An existing Elastic IP allocation (`eipalloc-...`); default: allocate one and retain it. */
  eipAllocationId?: string | undefined;
  /**
   * NAT gateways: 1 (default; one AZ, a single point of failure for delivery) or 2 (one per AZ, each
   * with its own Elastic IP: Onpipeline must whitelist both).
   */
  natGateways?: 1 | 2;
  /** An existing allocation for the second NAT gateway; default: allocate one and retain it. */
  eipAllocationId2?: string | undefined;
  /** Ports the deliver function may reach on any IPv4 address besides 443 (a custom Onpipeline port). */
  extraEgressPorts?: number[];
  logRetention: RetentionDays;
  /** Name tag of the allocated Elastic IP. */
  name: string;
}

/**
 * The network the deliver function sends from: a VPC with public and private subnets in two AZs,
 * one NAT gateway (or two, one per AZ) whose Elastic IP is the address Onpipeline whitelists, VPC flow logs,
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
  /** The second NAT gateway's allocation (`natGateways` 2), and its Elastic IP when allocated here. */
  readonly eipAllocationId2: string | undefined;
  readonly eip2: CfnEIP | undefined;

  constructor(scope: Construct, id: string, props: EgressNetworkProps) {
    super(scope, id);
    const natGateways = props.natGateways ?? 1;

    this.eip =
      props.eipAllocationId === undefined
        ? this.allocate('Eip', EGRESS_EIP_LOGICAL_ID, `${props.name}-egress`)
        : undefined;
    this.eipAllocationId = this.eip?.attrAllocationId ?? (props.eipAllocationId as string);
    if (natGateways === 2) {
      this.eip2 =
        props.eipAllocationId2 === undefined
          ? this.allocate('Eip2', EGRESS_EIP2_LOGICAL_ID, `${props.name}-egress-2`)
          : undefined;
      this.eipAllocationId2 = this.eip2?.attrAllocationId ?? props.eipAllocationId2;
    } else {
      this.eip2 = undefined;
      this.eipAllocationId2 = undefined;
    }
    const allocations = [this.eipAllocationId, this.eipAllocationId2].filter(
      (allocation): allocation is string => allocation !== undefined,
    );

    const flowLogs = new LogGroup(this, 'FlowLogs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.vpc = new Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways,
      // Our retained allocations instead of a new EIP per NAT gateway.
      natGatewayProvider: NatProvider.gateway({ eipAllocationIds: allocations }),
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

  /** A new Elastic IP with a pinned logical ID, retained: Onpipeline whitelists it. */
  private allocate(id: string, logicalId: string, name: string): CfnEIP {
    const eip = new CfnEIP(this, id, { domain: 'vpc', tags: [{ key: 'Name', value: name }] });
    eip.overrideLogicalId(logicalId);
    // Onpipeline whitelists this address: it must survive stack updates, replacements and deletion.
    eip.applyRemovalPolicy(RemovalPolicy.RETAIN);
    return eip;
  }
}
