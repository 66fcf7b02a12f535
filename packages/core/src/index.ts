export type {
  BackendCapabilities,
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
  LeadershipLostError,
  LifecycleError,
  MalformedEntryError,
  SessionLostError,
  StartTimeoutError,
} from './errors.js';
export { type LogFn, type Logger, silentLogger } from './logger.js';
export { compareIds, compareMembers, sortForDisplay } from './ordering/compare.js';
export { type ElectOptions, elect } from './ordering/elect.js';
export { MemberView } from './ordering/member-view.js';
export { MAX_ID_BYTES, validateId, validateMember } from './ordering/validate-member.js';
export { type Backoff, type BackoffOptions, createBackoff } from './time/backoff.js';
export { type Clock, sleep, systemClock } from './time/clock.js';
