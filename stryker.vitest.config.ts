import { defineConfig } from 'vitest/config';
import { workspaceAliases } from './vitest.shared';

/**
 * The test command of `pnpm mutate` (stryker.config.mjs): core's unit tests and one CI-size
 * simulation, both on core's source (the aliases), so every mutant of core is seen by both.
 * MUTATE_WITHOUT_SIM=1 leaves the simulation out; MUTATE_SIM_ONLY=1 runs the simulation alone
 * (to count what it kills of the mutants the unit tests leave). SIM_RUNS sets its size (default
 * 2,000, CI's); anything smaller is not the measurement docs/mutation-testing.md reports.
 */
const units = process.env.MUTATE_SIM_ONLY ? [] : ['packages/core/test/**/*.test.ts'];
const sim = process.env.MUTATE_WITHOUT_SIM ? [] : ['packages/testing/sim/ci-size.sim.test.ts'];

export default defineConfig({
  resolve: { alias: workspaceAliases },
  test: { include: [...units, ...sim] },
});
