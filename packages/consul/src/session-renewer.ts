import { type Clock, createBackoff, type ElectionError, SessionLostError } from '@election/core';
import type { ConsulApi } from './consul-api.js';
import { asElectionError } from './consul-errors.js';
import { SOURCE } from './source.js';

export interface RenewerOptions {
  readonly api: ConsulApi;
  readonly sessionId: string;
  readonly ttlMs: number;
  readonly clock: Clock;
  /** Send time of the request that created the session: its first acknowledged "renewal". */
  readonly createdAt: number;
  readonly onLost: (cause: ElectionError) => void;
  readonly onError: (error: ElectionError) => void;
}

export interface Renewer {
  /** Send time of the last acknowledged renewal plus the TTL. */
  deadline(): number;
  stop(): void;
}

/**
 * Renews the session at TTL/2, retrying failures with capped, jittered backoff. The deadline only
 * moves on an acknowledged renewal, and counts from when that request was sent: Consul restarted
 * its timer no earlier than that.
 */
export function startRenewals(options: RenewerOptions): Renewer {
  const { api, sessionId, ttlMs, clock } = options;
  const controller = new AbortController();
  const retry = createBackoff({ initialMs: 100, maxMs: Math.min(1000, ttlMs / 10) });
  // A renewal stuck longer than a quarter TTL is abandoned so the retry still lands in time.
  const requestTimeoutMs = Math.max(500, Math.floor(ttlMs / 4));
  let lastAck = options.createdAt;
  let cancelTimer: (() => void) | undefined;

  function schedule(delayMs: number): void {
    cancelTimer = clock.setTimer(() => {
      renewOnce().catch((error: unknown) => options.onError(asElectionError(error, 'renewing the session')));
    }, delayMs);
  }

  async function renewOnce(): Promise<void> {
    if (controller.signal.aborted) return;
    const sentAt = clock.now();
    let outcome: 'renewed' | 'not-found';
    try {
      outcome = await api.renewSession(sessionId, controller.signal, requestTimeoutMs);
    } catch (error) {
      if (controller.signal.aborted) return;
      options.onError(asElectionError(error, 'renewing the session'));
      schedule(retry.next());
      return;
    }
    if (controller.signal.aborted) return;
    if (outcome === 'not-found') {
      controller.abort();
      options.onLost(
        new SessionLostError(
          "Consul no longer knows this node's session (expired or destroyed); joining again.",
          {
            source: SOURCE,
          },
        ),
      );
      return;
    }
    lastAck = Math.max(lastAck, sentAt);
    retry.reset();
    schedule(Math.max(0, lastAck + ttlMs / 2 - clock.now()));
  }

  schedule(Math.max(0, lastAck + ttlMs / 2 - clock.now()));
  return {
    deadline: () => lastAck + ttlMs,
    stop() {
      controller.abort();
      cancelTimer?.();
    },
  };
}
