/**
 * The app API. Adapter authors import `@election/core/adapter` (the contract, listener set,
 * renewal loop, malformed-entry reporter, error helper); the contract types are here too, so an
 * app can type the backend it passes in.
 */
export type {
  AcknowledgedRenewal,
  BackendCapabilities,
  HolderListener,
  JoinRequest,
  LeaderLock,
  LockHolder,
  MembershipBackend,
  MembershipEvent,
  MembershipSession,
} from './contracts/backend.js';
export type { Member, MemberComparator, Unsubscribe } from './contracts/member.js';
export { createElector } from './elector/create-elector.js';
export { type LeaderTask, type RunWhileLeaderOptions, runWhileLeader } from './elector/run-while-leader.js';
export type {
  DemotionReason,
  ElectionMode,
  ElectionReason,
  ElectionState,
  Elector,
  ElectorEvent,
  ElectorEventOf,
  ElectorEventType,
  ElectorOptions,
  ElectorPhase,
  StopOptions,
} from './elector/types.js';
export {
  BackendUnavailableError,
  ConfigurationError,
  DuplicateMemberError,
  ElectionError,
  type ElectionErrorCode,
  type ElectionErrorOptions,
  InvalidIdError,
  isElectionError,
  LeadershipLostError,
  LifecycleError,
  MalformedEntryError,
  SessionLostError,
  StartTimeoutError,
} from './errors.js';
export { type LogFn, type Logger, silentLogger } from './logger.js';
export { maskSecrets } from './mask-secrets.js';
export { compareIds, compareMembers } from './ordering/compare.js';
export { type ElectOptions, elect } from './ordering/elect.js';
export { MAX_ID_BYTES, validateId, validateMember } from './ordering/validate-member.js';
export { type Clock, sleep, systemClock } from './time/clock.js';
