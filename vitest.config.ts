import { defineConfig } from 'vitest/config';

// One run over every package, so CI prints one summary (the last line, from summary-reporter).
export default defineConfig({
  test: {
    projects: ['packages/*/vitest.config.ts', 'apps/*/vitest.config.ts', 'bench/vitest.config.ts'],
    reporters: ['default', './scripts/summary-reporter.ts'],
  },
});
