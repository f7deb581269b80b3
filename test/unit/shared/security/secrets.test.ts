import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MissingSecretError, parseEnvFile, secretStore } from '#shared/security/secrets.ts';

describe('secretStore', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2025-03-01T10:00:00.000Z'));
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('calls the loader once within cacheMs', async () => {
    // Prepare
    const load = vi.fn(async () => ({ ONPIPELINE_TOKEN: 'tok-1', ACME_KEY: 'k' }));
    const store = secretStore(load, 60_000);

    // Act
    const values = [
      await store.get('ONPIPELINE_TOKEN'),
      await store.require('ACME_KEY'),
      await store.get('OTHER'),
    ];
    vi.advanceTimersByTime(59_000);
    values.push(await store.require('ONPIPELINE_TOKEN'));

    // Assess
    expect(values).toEqual(['tok-1', 'k', undefined, 'tok-1']);
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('reloads after cacheMs, so a rotated secret is picked up', async () => {
    // Prepare
    const load = vi
      .fn<() => Promise<Record<string, string>>>()
      .mockResolvedValueOnce({ ONPIPELINE_TOKEN: 'old' })
      .mockResolvedValueOnce({ ONPIPELINE_TOKEN: 'new' });
    const store = secretStore(load, 1000);
    const before = await store.require('ONPIPELINE_TOKEN');

    // Act
    vi.advanceTimersByTime(1001);
    const after = await store.require('ONPIPELINE_TOKEN');

    // Assess
    expect([before, after]).toEqual(['old', 'new']);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('shares one load between concurrent calls', async () => {
    // Prepare
    const load = vi.fn(async () => ({ A: '1', B: '2' }));
    const store = secretStore(load);

    // Act
    const values = await Promise.all([store.get('A'), store.get('B'), store.require('A')]);

    // Assess
    expect(values).toEqual(['1', '2', '1']);
    expect(load).toHaveBeenCalledTimes(1);
  });

  it.each([
    ['missing', {}],
    ['empty', { ONPIPELINE_TOKEN: '' }],
  ])(
    'require throws MissingSecretError naming a %s secret',
    async (_what, values: Record<string, string>) => {
      // Prepare
      const store = secretStore(async () => values);

      // Act
      const result = store.require('ONPIPELINE_TOKEN');

      // Assess
      await expect(result).rejects.toBeInstanceOf(MissingSecretError);
      await expect(result).rejects.toMatchObject({
        code: 'missing_secret',
        message: expect.stringContaining('ONPIPELINE_TOKEN'),
      });
    },
  );

  it('get gives undefined for an empty secret', async () => {
    // Prepare
    const store = secretStore(async () => ({ EMPTY: '' }));

    // Act
    const value = await store.get('EMPTY');

    // Assess
    expect(value).toBeUndefined();
  });

  it.each(['constructor', 'toString', '__proto__'])(
    'does not answer the Object.prototype member %j as a secret value',
    async (name) => {
      // Prepare
      const store = secretStore(async () => ({ ONPIPELINE_TOKEN: 'tok' }));

      // Act
      const [value, required] = await Promise.allSettled([store.get(name), store.require(name)]);

      // Assess
      expect(value).toEqual({ status: 'fulfilled', value: undefined });
      expect(required.status).toBe('rejected');
      expect(required.status === 'rejected' && required.reason).toBeInstanceOf(MissingSecretError);
    },
  );

  it('propagates a loader failure and retries on the next call', async () => {
    // Prepare
    const load = vi
      .fn<() => Promise<Record<string, string>>>()
      .mockRejectedValueOnce(new Error('AccessDeniedException'))
      .mockResolvedValueOnce({ ONPIPELINE_TOKEN: 'tok' });
    const store = secretStore(load);

    // Act
    const first = store.require('ONPIPELINE_TOKEN');
    await expect(first).rejects.toThrow('AccessDeniedException');
    const second = await store.require('ONPIPELINE_TOKEN');

    // Assess
    expect(second).toBe('tok');
    expect(load).toHaveBeenCalledTimes(2);
  });
});

describe('MissingSecretError', () => {
  it('names the secret and carries a code', () => {
    // Act
    const error = new MissingSecretError('ACME_PARTNER_KEY');

    // Assess
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ name: 'MissingSecretError', code: 'missing_secret' });
    expect(error.message).toContain('ACME_PARTNER_KEY');
  });
});

describe('parseEnvFile', () => {
  it('reads NAME=value lines with quotes, comments, export and blank lines', () => {
    // Prepare
    const text = [
      '# leadgate secrets',
      '',
      'ONPIPELINE_TOKEN=tok-123',
      'export ACME_KEY=acme',
      'DOUBLE="a b c"',
      "SINGLE='x=y'",
      '  SPACED  =  value with spaces  ',
      '   # indented comment',
      '#COMMENTED=1',
      'EMPTY=',
      'EMPTY_QUOTES=""',
      'lower_case=ignored',
      'Mixed=ignored',
      'not a line at all',
      'HASH=a#b',
      'URL=https://x.test/?a=1&b=2',
    ].join('\n');

    // Act
    const values = parseEnvFile(text);

    // Assess
    expect(values).toEqual({
      ONPIPELINE_TOKEN: 'tok-123',
      ACME_KEY: 'acme',
      DOUBLE: 'a b c',
      SINGLE: 'x=y',
      SPACED: 'value with spaces',
      EMPTY: '',
      EMPTY_QUOTES: '',
      HASH: 'a#b',
      URL: 'https://x.test/?a=1&b=2',
    });
  });

  it('reads Windows line endings', () => {
    // Act
    const values = parseEnvFile('A=1\r\nB="2"\r\n');

    // Assess
    expect(values).toEqual({ A: '1', B: '2' });
  });

  it.each([
    ['mismatched quotes', 'A="x\'', '"x\''],
    ['a quote inside', 'A=say "hi"', 'say "hi"'],
  ])('keeps %s as they are', (_what, line, expected) => {
    // Act
    const values = parseEnvFile(line);

    // Assess
    expect(values.A).toBe(expected);
  });

  it('lets a later line win', () => {
    // Act
    const values = parseEnvFile('A=1\nA=2\n');

    // Assess
    expect(values).toEqual({ A: '2' });
  });

  it('gives nothing for an empty file', () => {
    expect(parseEnvFile('')).toEqual({});
  });
});
