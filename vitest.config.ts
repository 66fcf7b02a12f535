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
    // Three files at a time on this 2-core machine: most of the long files wait on real time
    // (TTLs, outages, spawned nodes, a browser), not on the CPU. Three at a time once failed two of
    // four CI runs on timing-bound cases; both are fixed, not loosened: a spawned node's drain was a
    // core liveness bug (609ac81), and the browser chart's "bars ≥ 1/5 lane" wait could never pass
    // once a stall of the test's process over its 1 s TTL's deadline split a leadership in two bars
    // (packages/http/test/proxy.browser.test.ts: TTL 3 s there now). The files share nothing: each
    // starts its own etcd, simulator or server on ports the OS hands out.
    maxWorkers: 3,
    // Longest files first across all projects (vitest's order groups them by project name).
    sequence: { sequencer: SlowestFirstSequencer },
  },
});
