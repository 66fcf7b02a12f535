import { defineConfig } from 'vitest/config';
import SlowestFirstSequencer from './scripts/slowest-first-sequencer';

// One run over every package, so CI prints one summary (the last line, from summary-reporter).
export default defineConfig({
  test: {
    projects: ['packages/*/vitest.config.ts', 'apps/*/vitest.config.ts', 'bench/vitest.config.ts'],
    reporters: ['default', './scripts/summary-reporter.ts'],
    // Most of the suite's time is spent waiting on real time (TTLs, outages, lock-delays) and on
    // child processes, not on the CPU, so files run three at a time on a 2-core machine (vitest's
    // default there is one: availableParallelism - 1, so the suite ran file after file). Not more:
    // with four, the CPU-bound files (simulation, spawned nodes, chromium) starve the timing-bound
    // ones. `vitest run --maxWorkers N` overrides it.
    maxWorkers: '150%',
    // Longest files first across all projects (vitest's order groups them by project name).
    sequence: { sequencer: SlowestFirstSequencer },
  },
});
