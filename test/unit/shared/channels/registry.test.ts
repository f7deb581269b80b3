import { describe, expect, it } from 'vitest';
import type { ChannelDeps } from '#shared/channels/channel.ts';
import { captureRoutes, googleAds, registry, signedHeaders, webhookRouters } from '#shared/channels/index.ts';
import { routes } from '#shared/http/routes.ts';
import { parseSource } from '#shared/sources/loader.ts';
import { channels } from '#shared/sources/schema.ts';
import { channelDeps } from '#test/support/channels.ts';

describe('the channel registry', () => {
  it('lists every channel of the source schema once', () => {
    // Act
    const names = registry.map((channel) => channel.name);

    // Assess
    expect([...names].sort()).toEqual([...channels].sort());
  });

  it('builds a route table with one handler for every route of the HTTP contract', () => {
    // Prepare
    const made = channelDeps({}, {});

    // Act
    const table = captureRoutes(made.deps, {
      'GET /health': { handler: () => ({ statusCode: 200, headers: {} }) },
      'GET /leadgate.js': { handler: () => ({ statusCode: 200, headers: {} }) },
    });
    made.cleanup();

    // Assess
    expect(Object.keys(table).sort()).toEqual(routes.map(({ method, path }) => `${method} ${path}`).sort());
  });

  it('refuses to build a table in which a route has no handler', () => {
    // Prepare
    const deps = {} as ChannelDeps;

    // Act
    const build = () => captureRoutes(deps, {});

    // Assess
    expect(build).toThrow('route GET /health has no handler');
  });

  it('signs requests for every channel whose vendor signs them in a header', () => {
    expect(
      registry.filter((channel) => channel.sign && channel.verify).map((channel) => channel.name),
    ).toEqual(['partner', 'meta', 'linkedin', 'tiktok']);
  });

  it('refuses to sign for a channel that does not sign', () => {
    expect(() => signedHeaders(googleAds, 'key', '{}')).toThrow(
      'the google-ads channel does not sign requests',
    );
  });

  it('routes unrouted leads again for the webhook channels only', () => {
    expect(Object.keys(webhookRouters).sort()).toEqual(['linkedin', 'meta', 'tiktok']);
  });

  it.each(registry.filter((channel) => channel.sign).map((channel) => [channel.name, channel] as const))(
    '%s verifies what it signs, and nothing else',
    (_name, channel) => {
      // Prepare
      const body = Buffer.from('{"lead":"x"}');
      const at = 1714644422;

      // Act
      const headers = signedHeaders(channel, 'secret-of-24-bytes-or-more', body, at);

      // Assess
      expect(channel.verify?.('secret-of-24-bytes-or-more', body, headers, at)).toBe(true);
      expect(channel.verify?.('another-secret-entirely!!', body, headers, at)).toBe(false);
      expect(channel.verify?.('secret-of-24-bytes-or-more', Buffer.from('{"lead":"y"}'), headers, at)).toBe(
        false,
      );
    },
  );
});

describe('every channel reads the sample payload it writes', () => {
  const sourceYaml: Record<string, string> = {
    form: 'form: { allowedOrigins: ["*"] }',
    partner: 'partner: { apiKeys: [KEY], leadIdField: ref }',
    'google-ads': 'googleAds: { key: KEY }',
    meta: 'meta: { pageId: "104", pageToken: TOKEN }',
    linkedin: 'linkedin: { formIds: ["77"] }',
    tiktok: 'tiktok: { advertiserId: "7000000000000000001" }',
  };

  it.each(registry.map((channel) => [channel.name, channel] as const))('%s', async (name, channel) => {
    // Prepare
    const parsed = parseSource(
      `${name}-sample`,
      `channel: ${name}\n${sourceYaml[name]}\nlead:\n  FirstName: { from: FIRST, default: "-" }\n  LastName: LAST\n`,
    );
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    const fields = { LAST: 'Ruiz', COMPANY_NAME: 'Acme Iberia' };
    const now = new Date('2026-12-04T10:00:00Z');

    // Act
    const payload = channel.sample?.({ source: parsed.source, fields, leadId: '1714644421000123', now });
    const leads = await channel.read?.(JSON.stringify(payload), {
      source: parsed.source,
      receivedAt: now.toISOString(),
    });

    // Assess
    expect(leads).toHaveLength(1);
    expect(leads?.[0]?.input.fields).toMatchObject(fields);
  });
});
