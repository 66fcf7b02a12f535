import { defineConfig } from 'vitest/config';
import { workspaceAliases } from './vitest.shared';

/**
 * The test command of `pnpm mutate` (stryker.config.mjs): core's unit tests and one CI-size
 * simulation, both on core's source (the aliases), so every mutant of core is seen by both.
 */
export default defineConfig({
  resolve: { alias: workspaceAliases },
  test: {
    include: ['packages/core/test/**/*.test.ts', 'packages/testing/sim/ci-size.sim.test.ts'],
  },
});
