export { createManualClock, type ManualClock } from './clock/manual-clock.js';
export {
  type AssertStaysOptions,
  assertStays,
  ConditionTimeoutError,
  type PollOptions,
  type WaitForOptions,
  waitFor,
} from './clock/wait-for.js';
export {
  createMemoryCluster,
  DEFAULT_MEMORY_CAPABILITIES,
  type MemoryCluster,
  type MemoryClusterOptions,
} from './memory/cluster.js';
export type { DelayOptions } from './memory/network.js';
export type { LockGrant } from './memory/server.js';
