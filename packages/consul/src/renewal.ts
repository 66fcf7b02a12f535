import { SessionLostError, type SkeletonRenewals } from '@election/core/adapter';
import type { ConsulApi } from './consul-api.js';
import { SOURCE } from './source.js';

/**
 * Renews the session at TTL/2 on the kit's renewal loop (Consul invalidates a session between one
 * and two TTLs after its last renewal). A renewal stuck longer than a quarter TTL is abandoned so
 * the retry still lands in time; failures retry with capped, jittered backoff (at most a second
 * apart, at most TTL/10). `createdAt`: send time of the request that created the session, its
 * first acknowledged "renewal".
 *
 * The loop does not stop at the deadline. Consul keeps an unrenewed session until 2×TTL after its
 * last renewal, and keeps every session through a leader election (a new leader re-arms each timer
 * with a full 2×TTL: agent/consul/session_ttl.go, initializeSessionTimers). So past the deadline
 * (core demotes the node then) it goes on retrying until Consul either acknowledges a renewal (the
 * session survived: the deadline moves on and the node resumes with it) or answers 404 "Session id
 * not found" (agent/session_endpoint.go, SessionRenew: the session is gone, `onLost`).
 */
export function sessionRenewals(
  api: ConsulApi,
  sessionId: string,
  ttlMs: number,
  createdAt: number,
): SkeletonRenewals {
  return {
    ttlMs,
    startedAt: createdAt,
    intervalMs: ttlMs / 2,
    timeoutMs: Math.max(500, Math.floor(ttlMs / 4)),
    retry: { initialMs: 100, maxMs: Math.min(1000, ttlMs / 10) },
    action: 'renew the session',
    async renew(signal, timeoutMs) {
      const outcome = await api.renewSession(sessionId, signal, timeoutMs);
      if (outcome === 'renewed') return { alive: true };
      return {
        alive: false,
        cause: new SessionLostError(
          "Consul no longer knows this node's session (expired or destroyed); joining again.",
          { source: SOURCE },
        ),
      };
    },
  };
}
