import { defineConfig } from 'vitest/config';
import { workspaceAliases } from './vitest.shared';

/**
 * The test command of `pnpm mutate` (stryker.config.mjs): core's unit tests and one CI-size
 * simulation, both on core's source (the aliases), so every mutant of core is seen by both.
 * MUTATE_WITHOUT_SIM=1 leaves the simulation out (to count what the simulation alone kills);
 * SIM_RUNS sets its size (default 2,000, CI's).
 */
export default defineConfig({
  resolve: { alias: workspaceAliases },
  test: {
    include: [
      'packages/core/test/**/*.test.ts',
      ...(process.env.MUTATE_WITHOUT_SIM ? [] : ['packages/testing/sim/ci-size.sim.test.ts']),
    ],
  },
});
