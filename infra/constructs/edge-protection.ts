import { Validations } from 'aws-cdk-lib';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  OriginProtocolPolicy,
  OriginRequestPolicy,
  OriginSslPolicy,
  PriceClass,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { CfnWebACL } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';

/** How long WAF counts a client's requests for the rate-based rule, seconds. */
export const WAF_EVALUATION_WINDOW_SECONDS = 300;

export interface EdgeProtectionProps {
  /** The API's execute-api host name: the distribution's origin. */
  originDomain: string;
  /** Prefix of the web ACL's metric names (the stack name). */
  name: string;
  /** Create a CLOUDFRONT-scope web ACL (stack in us-east-1 only) with this many requests per IP per 5 minutes. */
  rateLimit?: number | undefined;
  /** Or attach an existing CLOUDFRONT-scope web ACL (created in us-east-1). */
  webAclArn?: string | undefined;
}

/**
 * Abuse protection per client for an HTTP API, which WAF cannot protect directly: a CloudFront
 * distribution in front of the API (no caching; every method, header, query string and body passed
 * through) with a WAF web ACL whose rate-based rule blocks a client IP over the limit with 429.
 * docs/operations.md ("Abuse protection: WAF") explains the trade-offs, among them that the API's own
 * execute-api URL stays reachable around it.
 *
 * @example
 * const edge = new EdgeProtection(this, 'Edge', { originDomain, name: 'Leadgate', rateLimit: 1000 });
 * new CfnOutput(this, 'EdgeUrl', { value: `https://${edge.distribution.distributionDomainName}/` });
 */
export class EdgeProtection extends Construct {
  readonly distribution: Distribution;
  /** The web ACL the stack created (`rateLimit`), or undefined when an existing one was given. */
  readonly webAcl: CfnWebACL | undefined;
  readonly webAclArn: string;

  constructor(scope: Construct, id: string, props: EdgeProtectionProps) {
    super(scope, id);
    if ((props.rateLimit === undefined) === (props.webAclArn === undefined)) {
      throw new Error('EdgeProtection: give exactly one of rateLimit and webAclArn');
    }

    if (props.rateLimit !== undefined) {
      const visibility = (metricName: string) => ({
        cloudWatchMetricsEnabled: true,
        sampledRequestsEnabled: true,
        metricName,
      });
      this.webAcl = new CfnWebACL(this, 'WebAcl', {
        scope: 'CLOUDFRONT',
        description: 'leadgate: requests per client IP over the limit are answered 429',
        defaultAction: { allow: {} },
        visibilityConfig: visibility(`${props.name}-edge`),
        rules: [
          {
            name: 'rate-per-ip',
            priority: 0,
            action: { block: { customResponse: { responseCode: 429 } } },
            statement: {
              rateBasedStatement: {
                limit: props.rateLimit,
                aggregateKeyType: 'IP',
                evaluationWindowSec: WAF_EVALUATION_WINDOW_SECONDS,
              },
            },
            visibilityConfig: visibility(`${props.name}-rate-per-ip`),
          },
        ],
      });
      this.webAclArn = this.webAcl.attrArn;
    } else {
      this.webAcl = undefined;
      this.webAclArn = props.webAclArn as string;
    }

    this.distribution = new Distribution(this, 'Distribution', {
      comment: `${props.name}: WAF in front of the HTTP API`,
      webAclId: this.webAclArn,
      priceClass: PriceClass.PRICE_CLASS_100,
      defaultBehavior: {
        origin: new HttpOrigin(props.originDomain, {
          protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY,
          originSslProtocols: [OriginSslPolicy.TLS_V1_2],
        }),
        viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
        allowedMethods: AllowedMethods.ALLOW_ALL,
        // Leads are never cached; signatures need the exact headers, query string and body.
        cachePolicy: CachePolicy.CACHING_DISABLED,
        originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
      },
    });
    Validations.of(this.distribution).acknowledge(
      {
        id: 'AwsSolutions-CFR1',
        reason:
          'Leads come from website visitors and ad networks worldwide; the senders cannot be limited to ' +
          'countries. Abuse is limited per client IP by the web ACL rate-based rule instead.',
      },
      {
        id: 'AwsSolutions-CFR3',
        reason:
          'No CloudFront access logs: every request reaches the HTTP API, whose access log records it ' +
          '(request id, route, status, User-Agent); the web ACL samples blocked requests with the ' +
          'client IP. A second copy of the same personal data (IP, User-Agent) is not kept.',
      },
      {
        id: 'AwsSolutions-CFR4',
        reason:
          'The distribution uses its default *.cloudfront.net certificate, whose minimum viewer TLS ' +
          'version CloudFront fixes; a custom domain with its own certificate (TLSv1.2_2021) is not ' +
          'combined with the WAF yet (docs/operations.md, "Abuse protection: WAF"). The origin is ' +
          'reached over TLS 1.2 only.',
      },
    );
  }
}
