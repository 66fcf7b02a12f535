/**
 * `@election/core/adapter`: what an adapter author needs and an app author does not. The backend
 * contract types, one listener set, the malformed-entry reporter, the adapter-error helper, the
 * renewal loop, the session and backend lifecycles, the session skeleton, the election feed (the
 * watcher loop), the option checks and the small timing helpers. See docs/writing-an-adapter.md.
 */
export type * from '../contracts/backend.js';
export type * from '../contracts/member.js';
export { abortable } from '../elector/abortable.js';
export * from '../errors.js';
export { type LogFn, type Logger, silentLogger } from '../logger.js';
export { errorForLog, maskError } from '../mask-error.js';
export { maskSecrets } from '../mask-secrets.js';
export { compareIds, compareMembers, sortForDisplay } from '../ordering/compare.js';
export { MemberView } from '../ordering/member-view.js';
export { MAX_ID_BYTES, validateId, validateMember } from '../ordering/validate-member.js';
export { type Backoff, type BackoffOptions, createBackoff } from '../time/backoff.js';
export {
  type Clock,
  deadlineAfter,
  type Instant,
  instantOf,
  sleep,
  systemClock,
  WALL_SLACK_MS,
  wallLead,
} from '../time/clock.js';
export { acquireUnlessBlockerEnded, LOCK_ATTEMPTS, type LockAttempt } from './acquire-attempts.js';
export {
  classifyBy,
  createErrorMapper,
  describeFailure,
  type ErrorClassifier,
  type ErrorMapper,
  type ErrorMapperOptions,
  type FailureRule,
  RequestFailure,
  summarizeRequestFailure,
} from './adapter-error.js';
export {
  BackendLifecycle,
  type BackendLifecycleOptions,
  type ClientLifecycle,
  clientLifecycle,
  type JoinSteps,
} from './backend-lifecycle.js';
export { ClientUses } from './client-uses.js';
export { type DuplicateMember, duplicateMember } from './duplicate-member.js';
export {
  ElectionFeed,
  type ElectionFeedOptions,
  type FeedChange,
  type FeedSink,
  type FeedSnapshot,
  MIN_POLL_PAUSE_MS,
} from './election-feed.js';
export { type JoinRounds, joinRounds } from './join-rounds.js';
export { type KeyLayout, type KeySegmentCodec, keyLayout } from './key-layout.js';
export { LifecycleBackend } from './lifecycle-backend.js';
export { Listeners, type ListenersOptions } from './listeners.js';
export { MalformedReporter } from './malformed-reporter.js';
export {
  type DecodedMember,
  type MemberCodec,
  type MemberCodecOptions,
  type MemberCodecReasons,
  memberCodec,
} from './member-codec.js';
export {
  type OptionChecks,
  optionChecks,
  type WholeNumberRange,
} from './option-checks.js';
export {
  checkOption,
  custom,
  defineOptions,
  excluding,
  flag,
  fn,
  hasControlCharacter,
  integerAtLeast,
  type KeyRule,
  type KeySegmentOptions,
  keySegment,
  type OptionContext,
  type OptionRule,
  type OptionSchema,
  oneOf,
  optional,
  optionRule,
  positiveMs,
  type ResolvedOptionsOf,
  type TtlRange,
  text,
  ttl,
  wholeNumber,
} from './option-schema.js';
export { OwnRegistrations, type OwnRegistrationsOptions } from './own-registrations.js';
export { RateLimiter } from './rate-limiter.js';
export { type RenewalOptions, type RenewalOutcome, type Renewer, startRenewals } from './renewals.js';
export { RequestsInFlight, type RequestsInFlightOptions } from './requests-in-flight.js';
export { SessionLifecycle, type SessionLifecycleOptions, type SessionState } from './session-lifecycle.js';
export {
  type LockCalls,
  SessionSkeleton,
  type SessionSkeletonOptions,
  type SkeletonRenewals,
} from './session-skeleton.js';
export { sameHolder, sameMembers } from './snapshots.js';
export { type WaitOut, waitOutHolder } from './wait-out.js';
export { withTimeout } from './with-timeout.js';
