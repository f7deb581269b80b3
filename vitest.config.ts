import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    env: { POWERTOOLS_METRICS_DISABLED: 'true', POWERTOOLS_LOG_LEVEL: 'WARN' },
    coverage: {
      provider: 'v8',
      // what runs on Lambda and in `npm start`'s gateway: the rest (cli/, local/, infra/, scripts/)
      // is proved by the integration, infra and e2e projects, not measured here
      include: ['shared/**/*.ts', 'functions/**/*.ts'],
      // one file excluded (docs/testing.md#coverage): the attribution script runs in the visitor's
      // browser (served as text at GET /leadgate.js), where v8 coverage of this process cannot see
      // it; test/e2e/attribution.test.ts and test/unit/shared/attribution/script.test.ts prove it
      exclude: ['shared/attribution/script.ts'],
      // the summary on the console; per-file numbers in coverage/index.html and coverage-summary.json
      reporter: ['text-summary', 'json-summary', 'html'],
      reportsDirectory: 'coverage',
      // numbers even when a test fails, so a red run still says what it covered
      reportOnFailure: true,
      // What the unit project alone covered on 2026-12-04 (the whole suite covers at least as much),
      // rounded down, with room for noise where rounding leaves almost none (functions 99.2 -> 98;
      // functions/** branches 97.7 -> 95: it has 44, one is 2.3 points): a drop fails the run.
      // Goal (issue #18): branches >= 90 and lines >= 95 in shared/ and functions/, met. Numbers and
      // the remaining gaps: docs/testing.md#coverage. Raise these when a test closes a gap, never
      // lower them.
      thresholds: {
        lines: 99,
        branches: 96,
        functions: 98,
        statements: 98,
        'shared/**': { lines: 99, branches: 96, functions: 98, statements: 98 },
        'functions/**': { lines: 97, branches: 95, functions: 93, statements: 97 },
      },
    },
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          setupFiles: ['test/support/fast-check.ts'],
          // a deadline for a hang, not a speed check: the property tests run 1,000s of cases and take
          // 1–3 s on an idle machine, more than vitest's 5 s default on a loaded one (CI runners too)
          testTimeout: 30_000,
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
