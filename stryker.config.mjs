// Mutation testing of the elector and the adapter kit: `pnpm mutate` (slow; not part of CI).
// The test command is core's unit tests plus a CI-size simulation (stryker.vitest.config.ts).
// The main measurement restricts `mutate` to the three files the proof rests on:
//   pnpm mutate --mutate packages/core/src/elector/lock-claim.ts,packages/core/src/elector/runtime.ts,packages/core/src/adapter/renewals.ts
// Results and the equivalent mutants that survive: docs/mutation-testing.md.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'stryker.vitest.config.ts', related: false },
  plugins: ['@stryker-mutator/vitest-runner'],
  mutate: ['packages/core/src/elector/**/*.ts', 'packages/core/src/adapter/**/*.ts'],
  ignorePatterns: ['apps', 'bench', 'docs', '**/dist', 'reports', '.turbo', '.stryker-tmp*'],
  coverageAnalysis: 'perTest',
  // Reuses the results of mutants whose code and covering tests did not change since the last run.
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  concurrency: 2,
  // A mutant that makes the simulation loop for ever counts as detected, after this long.
  timeoutMS: 5000,
  reporters: ['clear-text', 'progress', 'json', 'html'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  thresholds: { high: 85, low: 70, break: null },
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
};
