import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    env: { POWERTOOLS_METRICS_DISABLED: 'true', POWERTOOLS_LOG_LEVEL: 'WARN' },
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          setupFiles: ['test/support/fast-check.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          // every log line of the run is captured (test/support/log-capture.ts) and scanned for the
          // test data's personal values once all files ran (teardown of pii-scan.global.ts)
          setupFiles: ['test/support/log-capture.ts'],
          globalSetup: ['test/integration/pii-scan.global.ts'],
          // npm start children (crash.test.ts) post as fast as they can: no local rate limit there
          env: { RATE_LIMIT_RPS: '0' },
          testTimeout: 60_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'infra',
          include: ['test/infra/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
      {
        extends: true,
        test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], testTimeout: 90_000, hookTimeout: 90_000 },
      },
    ],
  },
});
