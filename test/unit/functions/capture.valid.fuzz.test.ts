import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuzzCaptureWithLogs } from '#test/support/fuzz/capture.ts';
import { contractProblems } from '#test/support/fuzz/contract.ts';
import { apiEvent, contractRoutes, describeRequest, type FuzzRequest } from '#test/support/fuzz/requests.ts';
import { fuzzSecrets } from '#test/support/fuzz/sources.ts';
import { type AuthenticatedRoute, forged, validRequest } from '#test/support/fuzz/valid.ts';

/** Runs per route and property. */
const RUNS = 200;

const harness = fuzzCaptureWithLogs(process.env.POWERTOOLS_LOG_LEVEL);

async function send(request: FuzzRequest) {
  const { capture } = harness;
  const before = capture.enqueued.length;
  const result = await capture.invoke(apiEvent(request));
  return { result, queued: capture.enqueued.splice(before) };
}

const routes: AuthenticatedRoute[] = ['meta', 'linkedin', 'tiktok', 'partner', 'google-ads'];

describe('capture handler: what a sender with the secret sends is accepted, without it refused', () => {
  it.each(routes)(
    '%s: a valid, correctly authenticated request is accepted and queues its leads',
    async (route) => {
      await fc.assert(
        fc.asyncProperty(validRequest(route), async (valid) => {
          // Act
          const { result, queued } = await send(valid.request);

          // Assess
          expect(result.statusCode, `${describeRequest(valid.request)}\n${result.body}`).toBe(valid.status);
          expect(queued).toHaveLength(valid.leads);
          expect(contractProblems(valid.request, result, queued)).toEqual([]);
        }),
        { numRuns: RUNS },
      );
    },
  );

  it.each(routes)(
    '%s: the same request unsigned or signed with another secret is refused and queues nothing',
    async (route) => {
      await fc.assert(
        fc.asyncProperty(
          validRequest(route),
          fc.constantFrom('unsigned' as const, 'other-secret' as const),
          async (valid, how) => {
            // Prepare
            const request = forged(valid, how);

            // Act
            const { result, queued } = await send(request);

            // Assess: 401 (403 for Google Ads, whose key is in the body), nothing queued
            expect(result.statusCode, `${how}: ${describeRequest(request)}\n${result.body}`).toBe(
              route === 'google-ads' ? 403 : 401,
            );
            expect(queued).toEqual([]);
            expect(contractProblems(request, result, queued)).toEqual([]);
          },
        ),
        { numRuns: RUNS },
      );
    },
  );

  it('meta-verify: the subscription check with the verify token is answered with the challenge; another token is refused', async () => {
    await fc.assert(
      fc.asyncProperty(fc.stringMatching(/^[0-9A-Za-z]{1,64}$/), fc.boolean(), async (challenge, right) => {
        // Prepare
        const request = verification('meta-verify', {
          'hub.mode': 'subscribe',
          'hub.verify_token': right
            ? fuzzSecrets.META_VERIFY_TOKEN
            : `${fuzzSecrets.META_VERIFY_TOKEN}-other`,
          'hub.challenge': challenge,
        });

        // Act
        const { result } = await send(request);

        // Assess
        expect(result.statusCode).toBe(right ? 200 : 403);
        if (right) expect(result.body).toBe(challenge);
      }),
      { numRuns: RUNS },
    );
  });

  it('linkedin-verify: a challenge code is answered with its HMAC under the client secret', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uuid({ version: 4 }), async (challengeCode) => {
        // Act
        const { result } = await send(verification('linkedin-verify', { challengeCode }));

        // Assess
        expect(result.statusCode).toBe(200);
        expect(JSON.parse(String(result.body))).toEqual({
          challengeCode,
          challengeResponse: createHmac('sha256', fuzzSecrets.LINKEDIN_CLIENT_SECRET)
            .update(challengeCode)
            .digest('hex'),
        });
      }),
      { numRuns: RUNS },
    );
  });
});

/** A verification GET of Meta or LinkedIn with `query`. */
function verification(route: 'meta-verify' | 'linkedin-verify', query: Record<string, string>): FuzzRequest {
  const spec = contractRoutes[route];
  return {
    route,
    method: spec.method,
    routeKey: spec.routeKey,
    path: spec.path(''),
    pathParameters: {},
    headers: {},
    query,
    body: Buffer.alloc(0),
    base64: false,
  };
}
