import type { ContractCase } from './cases/case.js';
import { failoverCases } from './cases/failover.js';
import { lockCases } from './cases/lock.js';
import { rankingCases } from './cases/ranking.js';
import { registrationCases } from './cases/registration.js';
import { safetyCases } from './cases/safety.js';
import { Harness } from './harness.js';
import { registerCases } from './register.js';
import type { ContractClusterFactory, ContractSuiteOptions, ContractTestApi } from './types.js';

export const contractCases: readonly ContractCase[] = [
  ...rankingCases,
  ...failoverCases,
  ...safetyCases,
  ...registrationCases,
  ...lockCases,
];

function checkOptions(options: ContractSuiteOptions): void {
  const positive = (name: string, value: number | undefined) => {
    if (value !== undefined && !(Number.isFinite(value) && value > 0)) {
      throw new Error(`runContractSuite: ${name} must be a positive number of ms, got ${value}`);
    }
  };
  positive('ttlMs', options.ttlMs);
  positive('timeoutMs', options.timeoutMs);
  positive('settleMs', options.settleMs);
  positive('testTimeoutMs', options.testTimeoutMs);
  if (options.concurrent && options.clock) {
    throw new Error(
      'runContractSuite: concurrent cases cannot share one fake clock; drop clock or concurrent',
    );
  }
}

/**
 * Registers the contract suite for one adapter: every case runs against a fresh cluster from
 * `createCluster`, with electors from @election/core, and cleans up after itself. Cases that need
 * the leader lock are registered as skipped (saying so) when `options.lock` is false.
 */
export function runContractSuite(
  api: ContractTestApi,
  createCluster: ContractClusterFactory,
  options: ContractSuiteOptions,
): void {
  checkOptions(options);
  const settleMs = options.settleMs ?? options.ttlMs;
  const resolved = { ...options, settleMs };
  const testTimeoutMs =
    options.testTimeoutMs ??
    (options.clock ? 60_000 : 6 * (options.ttlMs + options.timeoutMs) + 3 * settleMs + 10_000);
  const mode = options.lock ? 'confirmed' : 'view';
  registerCases(
    api,
    `@election contract: ${options.name} (${mode} mode${options.clock ? ', fake time' : ''})`,
    contractCases,
    {
      skipReason: (entry) =>
        entry.needsLock && !options.lock ? 'the backend has no leader lock' : undefined,
      create: async () => new Harness(await createCluster(), resolved),
      run: (entry, harness) => entry.run(harness),
      timeoutMs: testTimeoutMs,
      concurrent: options.concurrent ?? false,
    },
  );
}
