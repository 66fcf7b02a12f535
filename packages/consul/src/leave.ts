import { BackendUnavailableError, type Clock } from '@election/core/adapter';
import type { ConsulApi } from './consul-api.js';
import { toElectionError } from './errors.js';
import { deleteHeldKeys } from './held-keys.js';
import { SOURCE } from './source.js';

export interface LeaveOptions {
  readonly api: ConsulApi;
  readonly leaderKey: string;
  readonly memberKey: string;
  readonly sessionId: string;
  readonly clock: Clock;
  readonly timeoutMs: number;
}

/**
 * Graceful leave: delete the leader key, then the member key, each while this session still holds
 * it (held-keys.ts), then destroy the session. Keys deleted before the session ends carry no
 * lock-delay, so the next leader takes over at once and this id can join again at once (a key the
 * destroyed session still held would be refused for the whole lock-delay, the TTL by default).
 * Settles within `timeoutMs` even when Consul is unreachable.
 *
 * Five requests (two reads, two `DELETE ?cas=`, the destroy), not one `/v1/txn`: the HTTP txn
 * endpoint converts only KV, node, service and check operations (agent/txn_endpoint.go,
 * convertOps), so the destroy cannot join the deletes; and a txn fails as a whole, so deleting
 * "whichever of the two keys this session holds" would need a read first anyway. The handover
 * needs only the leader key's delete, the second request; the rest follows it.
 */
export async function leaveBounded(options: LeaveOptions): Promise<void> {
  const { api, leaderKey, memberKey, sessionId, timeoutMs } = options;
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
      await deleteHeldKeys(api, [leaderKey, memberKey], sessionId, controller.signal);
    } catch (error) {
      firstError = error;
    }
    // Destroy even when a delete failed: it frees the keys too (after the lock-delay), and ends
    // the registration.
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
