import { expect, it } from 'vitest';
import { runSimulation } from './simulation.js';

/**
 * The simulation at CI size, alone: the part of `pnpm mutate`'s test command that is not a unit
 * test (stryker.vitest.config.ts). CI runs the same size in test/simulation.test.ts.
 */
it('finds no violation in 2,000 seeded runs (CI size)', async () => {
  const result = await runSimulation({ runs: 2000, seed: 19 });
  if (result.failed) throw new Error(`${result.report}\nreplay: ${result.replay}`);
  expect(result.runs).toBe(2000);
}, 600_000);
