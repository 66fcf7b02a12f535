import { type RenewalOptions, type Renewer, SessionLostError, startRenewals } from '@election/core/adapter';
import type { ConsulApi } from './consul-api.js';
import { toElectionError } from './errors.js';
import { SOURCE } from './source.js';

/** The kit's `ttlMs`, `clock` and `onLost`, plus what renews a Consul session. */
export interface RenewerOptions extends Pick<RenewalOptions, 'ttlMs' | 'clock' | 'onLost'> {
  readonly api: ConsulApi;
  readonly sessionId: string;
  /** Send time of the request that created the session: its first acknowledged "renewal". */
  readonly createdAt: number;
  /** A renewal failed and will be retried (already an ElectionError of this adapter). */
  readonly onError: (error: Error) => void;
}

/**
 * Renews the session at TTL/2 on the kit's renewal loop (Consul invalidates a session between one
 * and two TTLs after its last renewal). A renewal stuck longer than a quarter TTL is abandoned so
 * the retry still lands in time; failures retry within a second.
 */
export function startRenewer(options: RenewerOptions): Renewer {
  const { api, sessionId, ttlMs } = options;
  return startRenewals({
    ttlMs,
    clock: options.clock,
    startedAt: options.createdAt,
    intervalMs: ttlMs / 2,
    timeoutMs: Math.max(500, Math.floor(ttlMs / 4)),
    retry: { initialMs: 100, maxMs: Math.min(1000, ttlMs / 10) },
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
    onLost: options.onLost,
    onError: (error) => options.onError(toElectionError(error, 'renew the session')),
  });
}
