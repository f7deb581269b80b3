import { describe, expect, it } from 'vitest';
import { matchRoute } from '#shared/http/routes.ts';

describe('matchRoute: path parameters', () => {
  it.each([
    ['/v1/forms/demo%2Dcontact', 'demo-contact'],
    ['/v1/forms/%ZZ', '%ZZ'],
    ['/v1/forms/%E0%A4%A', '%E0%A4%A'],
  ])('decodes %s as %s (a broken escape stays as sent)', (path, sourceId) => {
    // Act
    const match = matchRoute('post', path);

    // Assess
    expect(match).toEqual({ routeKey: 'POST /v1/forms/{sourceId}', pathParameters: { sourceId } });
  });
});
