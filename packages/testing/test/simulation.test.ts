import { describe, expect, it } from 'vitest';
import { runSimulation } from '../sim/simulation.js';
import type { SimBug } from '../sim/world.js';

/**
 * Deterministic simulation of N electors (3–7, more joining) on the in-memory server, with
 * fast-check choosing the order of every request, answer and watch event and the faults in between
 * (see sim/simulation.ts). `pnpm sim` runs 10,000 seeds; CI runs these.
 */
describe('deterministic simulation', () => {
  it('finds no violation in 2,000 seeded runs, and one agreed leader after each within the bound', async () => {
    const result = await runSimulation({ runs: 2000 });
    if (result.failed) throw new Error(`${result.report}\nreplay: ${result.replay}`);
    expect(result.runs).toBe(2000);
  }, 600_000);

  // The checker bites: each deliberate bug is found within 1,000 runs, and its replay command
  // reproduces it exactly (fixed seeds, so this is the same search every time).
  const bugs: [SimBug, number][] = [
    ['keep-orphans', 1],
    ['no-margin', 3],
    // Holder events without their revision: the deleted-key gap comes back. Seed 3 finds it at run 61
    // (seeds 2 and 4 at runs 743 and 159, seed 1 not within 1,000), with the "watches fall behind" fault.
    ['no-revision', 3],
  ];
  for (const [bug, seed] of bugs) {
    it(`finds the deliberate "${bug}" bug within 1,000 runs, and its replay fails the same way`, async () => {
      const found = await runSimulation({ runs: 1000, seed, bug });
      expect(found.failed).toBe(true);
      expect(found.replay).toContain(`--seed=${found.seed}`);
      const replay = await runSimulation({
        runs: 1000,
        seed: found.seed,
        bug,
        ...(found.path === undefined ? {} : { path: found.path }),
        ...(found.commandsPath === undefined ? {} : { commandsPath: found.commandsPath }),
      });
      expect(replay.failed).toBe(true);
      expect(replay.report?.split('\n')[0]).toBe(found.report?.split('\n')[0]);
    }, 120_000);
  }
});
