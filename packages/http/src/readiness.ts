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
 * renewed). A failure streak starts with the first backend error and ends when none has been
 * reported for two renewal intervals: a failed renewal is retried within one interval, and the retry
 * is given one interval to answer, so a backend that is still down reports again within two.
 */
export function trackReadiness(elector: Elector, clock: Clock, renewalIntervalMs: number): Readiness {
  let failingSince: number | null = null;
  let lastFailure = Number.NEGATIVE_INFINITY;
  const stop = elector.subscribe((event) => {
    if (event.type !== 'error' || !BACKEND_CODES.has(event.error.code)) return;
    const now = clock.now();
    if (failingSince === null || now - lastFailure > 2 * renewalIntervalMs) failingSince = now;
    lastFailure = now;
  });
  return {
    stop,
    notReady() {
      const state = elector.state;
      if (!JOINED.has(state.phase)) return `not joined (phase ${state.phase})`;
      if (state.reason.kind === 'backend-unreachable') return 'the registration is past its deadline';
      if (state.reason.kind === 'duplicate-id') return 'another live node holds this id';
      const now = clock.now();
      if (failingSince !== null && now - lastFailure > 2 * renewalIntervalMs) failingSince = null;
      if (failingSince !== null && now - failingSince > renewalIntervalMs) {
        return `the backend has not been reached for ${seconds(now - failingSince)} (more than one renewal interval, ${seconds(renewalIntervalMs)})`;
      }
      return null;
    },
  };
}
