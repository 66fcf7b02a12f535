import { defineConfig } from 'vitest/config';
import SlowestFirstSequencer from './scripts/slowest-first-sequencer';

// One run over every package, so CI prints one summary (the last line, from summary-reporter).
export default defineConfig({
  test: {
    projects: [
      'packages/*/vitest.config.ts',
      'apps/*/vitest.config.ts',
      'bench/vitest.config.ts',
      'tools/vitest.config.ts',
    ],
    reporters: ['default', './scripts/summary-reporter.ts'],
    // One file at a time on this 2-core machine (vitest's default there). Three at a time took the
    // suite from 492 s to 241-259 s, but in two of four fresh-clone CI runs timing-bound cases failed
    // (a spawned node's drain, the browser chart's bars) while the CPU-heavy files (simulation,
    // Chromium, spawned nodes) starved them; landing green comes first. `vitest run --maxWorkers 3`
    // runs them side by side.
    maxWorkers: 1,
    // Longest files first across all projects (vitest's order groups them by project name).
    sequence: { sequencer: SlowestFirstSequencer },
  },
});
