import { defineConfig } from 'vitest/config';

/**
 * What Stryker (`npm run mutation`, stryker.config.json) runs against each mutant: the unit project
 * only, so a mutant costs milliseconds, not the integration suite's embedded queue and child
 * processes. Same environment and fixed fast-check seed as `npm test`'s unit project.
 */
export default defineConfig({
  test: {
    name: 'unit',
    env: { POWERTOOLS_METRICS_DISABLED: 'true', POWERTOOLS_LOG_LEVEL: 'WARN' },
    include: ['test/unit/**/*.test.ts'],
    setupFiles: ['test/support/fast-check.ts'],
  },
});
