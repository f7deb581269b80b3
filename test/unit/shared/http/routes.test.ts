import { describe, expect, it } from 'vitest';
import { matchRoute, pathHasRoute } from '#shared/http/routes.ts';

describe('matchRoute', () => {
  it('matches a form post and decodes its source id', () => {
    // Act
    const match = matchRoute('post', '/v1/forms/demo-contact');

    // Assess
    expect(match).toEqual({
      routeKey: 'POST /v1/forms/{sourceId}',
      pathParameters: { sourceId: 'demo-contact' },
    });
  });

  it('knows a path that exists under another method', () => {
    expect(matchRoute('DELETE', '/v1/forms/x')).toBeUndefined();
    expect(pathHasRoute('/v1/forms/x')).toBe(true);
    expect(pathHasRoute('/v2/forms/x')).toBe(false);
  });
});
