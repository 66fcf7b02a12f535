import { BackendUnavailableError, type Clock } from '@election/core/adapter';
import type { ConsulApi } from './consul-api.js';
import { toElectionError } from './errors.js';
import { SOURCE } from './source.js';

export interface LeaveOptions {
  readonly api: ConsulApi;
  readonly leaderKey: string;
  readonly sessionId: string;
  readonly clock: Clock;
  readonly timeoutMs: number;
}

/**
 * Graceful leave: release the leader key first (an explicit release skips Consul's lock-delay, so the
 * next leader can take it at once), then destroy the session, whose behavior "delete" removes the
 * member key. Settles within `timeoutMs` even when Consul is unreachable.
 */
export async function leaveBounded(options: LeaveOptions): Promise<void> {
  const { api, leaderKey, sessionId, timeoutMs } = options;
  const controller = new AbortController();
  const cancelTimer = options.clock.setTimer(
    () =>
      controller.abort(
        new BackendUnavailableError(`leaving took longer than ${timeoutMs} ms`, { source: SOURCE }),
      ),
    timeoutMs,
  );
  let firstError: unknown;
  try {
    try {
      await api.release(leaderKey, '', sessionId, controller.signal);
    } catch (error) {
      firstError = error;
    }
    // Destroy even when the release failed: it frees the key too, and ends the registration.
    if (!controller.signal.aborted) {
      try {
        await api.destroySession(sessionId, controller.signal);
        return;
      } catch (error) {
        firstError ??= error;
      }
    }
  } finally {
    cancelTimer();
  }
  const cause = toElectionError(firstError ?? controller.signal.reason, 'leave');
  throw new BackendUnavailableError(
    `could not leave cleanly (${cause.message}); the registration expires on its own within 2×TTL.`,
    { source: SOURCE, cause },
  );
}
