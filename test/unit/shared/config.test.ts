import { afterEach, describe, expect, it, vi } from 'vitest';
import { env, setting } from '#shared/config.ts';

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('setting', () => {
  it('reads the environment variable when it has a value', () => {
    // Prepare
    vi.stubEnv(env.onpipelineTimeoutMs, '2500');

    // Act
    const value = setting(env.onpipelineTimeoutMs, '10000');

    // Assess
    expect(value).toBe('2500');
  });

  it.each([
    ['unset', undefined],
    ['empty', ''],
  ])('answers the fallback when the variable is %s', (_state, raw) => {
    // Prepare
    vi.stubEnv(env.onpipelineTimeoutMs, raw);

    // Act
    const withFallback = setting(env.onpipelineTimeoutMs, '10000');
    const without = setting(env.onpipelineTimeoutMs);

    // Assess
    expect(withFallback).toBe('10000');
    expect(without).toBeUndefined();
  });
});
