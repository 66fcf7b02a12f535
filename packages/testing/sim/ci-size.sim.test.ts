import { expect, it } from 'vitest';
import { runSimulation } from './simulation.js';

/**
 * The simulation at CI size, alone: the part of `pnpm mutate`'s test command that is not a unit
 * test (stryker.vitest.config.ts). CI runs the same size in test/simulation.test.ts. SIM_RUNS
 * overrides the size.
 */
const runs = Number(process.env.SIM_RUNS ?? 2000);

it(`finds no violation in ${runs} seeded runs`, async () => {
  const result = await runSimulation({ runs, seed: 19 });
  if (result.failed) throw new Error(`${result.report}\nreplay: ${result.replay}`);
  expect(result.runs).toBe(runs);
}, 600_000);
