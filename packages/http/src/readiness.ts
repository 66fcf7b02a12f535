import type { Clock, ElectionErrorCode, Elector } from '@election/core';

/** Error codes that mean "the backend was not reached" (a renewal, a watch or a lock call failed). */
const BACKEND_CODES = new Set<ElectionErrorCode>(['BACKEND_UNAVAILABLE', 'SESSION_LOST']);
const JOINED = new Set(['follower', 'candidate', 'leader']);

export interface Readiness {
  /** Why the node is not ready, or null when it is. */
  notReady(): string | null;
  stop(): void;
}

const seconds = (ms: number) => `${(Math.max(0, ms) / 1000).toFixed(1)} s`;

/**
 * Readiness as `/readyz` defines it: the node has joined (follower, candidate or leader), its
 * registration is not past its deadline, no other live node holds its id, and the backend has not
 * been failing for longer than one renewal interval (TTL / 3, how often the registration is
 * renewed; `ttlMs` is the elector's). A failure streak starts with the first backend error and ends
 * with the first acknowledged renewal after it (core's `renewal` event): silence alone does not end
 * it, since errors come only as often as calls are retried, and an outage can be quiet between two.
 * A backend that never reports renewals (a custom adapter without `onRenewal`) ends a streak after
 * a full TTL without a backend error instead.
 */
export function trackReadiness(elector: Elector, clock: Clock, ttlMs: number): Readiness {
  const renewalIntervalMs = ttlMs / 3;
  let failingSince: number | null = null;
  let lastFailure = Number.NEGATIVE_INFINITY;
  let reportsRenewals = false;
  const createdAt = clock.now();
  /** When the backend last acknowledged a renewal (clock time); the handler's creation until one is. */
  let lastAckAt = createdAt;
  const stop = elector.subscribe((event) => {
    if (event.type === 'renewal') {
      reportsRenewals = true;
      lastAckAt = Math.max(lastAckAt, event.sentAt + event.latencyMs);
      // Acknowledged after the streak began: sent after the last failure, the backend answers again.
      if (event.sentAt + event.latencyMs >= lastFailure) failingSince = null;
      return;
    }
    if (event.type !== 'error' || !BACKEND_CODES.has(event.error.code)) return;
    const now = clock.now();
    if (failingSince === null) failingSince = now;
    lastFailure = now;
  });
  // A backend that reports renewals reports one within every interval: none within a TTL, it does not.
  const renewalsReported = (now: number) => reportsRenewals || now - createdAt <= ttlMs;
  const silentForAWhile = (now: number) => !renewalsReported(now) && now - lastFailure > ttlMs;
  return {
    stop,
    notReady() {
      const state = elector.state;
      if (!JOINED.has(state.phase)) return `not joined (phase ${state.phase})`;
      if (state.reason.kind === 'backend-unreachable') return 'the registration is past its deadline';
      if (state.reason.kind === 'duplicate-id') return 'another live node holds this id';
      const now = clock.now();
      if (failingSince !== null && silentForAWhile(now)) failingSince = null;
      if (failingSince === null) return null;
      // Failing since the last acknowledged renewal (the failed call was sent after it), where known.
      const since = renewalsReported(now) ? Math.min(failingSince, lastAckAt) : failingSince;
      if (now - since > renewalIntervalMs) {
        return `the backend has not been reached for ${seconds(now - since)} (more than one renewal interval, ${seconds(renewalIntervalMs)})`;
      }
      return null;
    },
  };
}
