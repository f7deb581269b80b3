import { describe, expect, it } from 'vitest';
import { HttpError } from '#shared/http/errors.ts';
import { errorResult, json, logFields, seeOther, withLogFields } from '#shared/http/response.ts';

describe('json', () => {
  it('answers JSON, not cached, with extra headers able to override the defaults', () => {
    // Act
    const result = json(202, { id: 'L1' }, { 'cache-control': 'max-age=60', 'x-extra': '1' });

    // Assess
    expect(result).toEqual({
      statusCode: 202,
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'cache-control': 'max-age=60',
        'x-extra': '1',
      },
      body: '{"id":"L1"}',
    });
    expect(json(200, null).headers['cache-control']).toBe('no-store');
  });
});

describe('errorResult', () => {
  it('renders the contract’s error body, the error’s headers then the given ones, and logs the code', () => {
    // Prepare
    const error = new HttpError(503, 'queue_unavailable', 'Retry.', {
      headers: { 'retry-after': '5', 'x-a': 'error' },
    });

    // Act
    const result = errorResult(error, { 'x-a': 'given' });

    // Assess
    expect(result.statusCode).toBe(503);
    expect(result.headers).toMatchObject({ 'retry-after': '5', 'x-a': 'given' });
    expect(JSON.parse(String(result.body))).toEqual({
      error: { code: 'queue_unavailable', message: 'Retry.' },
    });
    expect(result[logFields]).toEqual({ code: 'queue_unavailable' });
  });

  it('includes the per-field messages when the error has them', () => {
    // Act
    const result = errorResult(
      new HttpError(422, 'validation_failed', 'Check.', { fields: { email: 'invalid' } }),
    );

    // Assess
    expect(JSON.parse(String(result.body)).error.fields).toEqual({ email: 'invalid' });
  });
});

describe('withLogFields', () => {
  it('adds fields to the answer’s log line, later ones winning, outside what JSON sends', () => {
    // Prepare
    const answer = json(202, {});

    // Act
    const result = withLogFields(withLogFields(answer, { leadId: 'L1', count: 1 }), { count: 2 });

    // Assess
    expect(result).toBe(answer);
    expect(result[logFields]).toEqual({ leadId: 'L1', count: 2 });
    expect(JSON.stringify(result)).not.toContain('L1');
  });
});

describe('seeOther', () => {
  it('redirects with 303, not cached, with an empty body', () => {
    // Act
    const result = seeOther('https://www.example.test/thanks', { 'x-extra': '1' });

    // Assess
    expect(result).toEqual({
      statusCode: 303,
      headers: { location: 'https://www.example.test/thanks', 'cache-control': 'no-store', 'x-extra': '1' },
      body: '',
    });
  });
});
