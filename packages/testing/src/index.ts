export { createManualClock, type ManualClock } from './clock/manual-clock.js';
export {
  type AssertStaysOptions,
  assertStays,
  ConditionTimeoutError,
  type PollOptions,
  type WaitForOptions,
  waitFor,
} from './clock/wait-for.js';
export { contractMemberIds, contractMembers } from './contract/members.js';
export { optionAnswer, testOptionAnswers } from './contract/option-answers.js';
export {
  closeLeavesRegistrationTests,
  leaveBoundedTests,
  onLostOnceTests,
  onRenewalTests,
  runSessionContract,
  snapshotFirstTests,
  watchHolderFirstTests,
} from './contract/session/groups.js';
export {
  outageTests,
  renewalLatencyTests,
  tryAcquireNullTests,
  userClientTests,
} from './contract/session/rule-groups.js';
export { transferTests, updateTests } from './contract/session/transfer-groups.js';
export type {
  SessionEnvironment,
  SessionEnvironmentFactory,
  SessionSuiteOptions,
  UserClient,
} from './contract/session/types.js';
export { runContractSuite } from './contract/suite.js';
export type {
  ContractCluster,
  ContractClusterFactory,
  ContractSuiteOptions,
  ContractTestApi,
  RegisterTest,
} from './contract/types.js';
export { createFailingBackend, type FailingBackendOptions } from './failing/failing-backend.js';
export {
  createMemoryCluster,
  DEFAULT_MEMORY_CAPABILITIES,
  type MemoryCluster,
  type MemoryClusterOptions,
} from './memory/cluster.js';
export type { DelayOptions } from './memory/network.js';
export type { LockGrant } from './memory/server.js';
