import { BackendUnavailableError } from '@election/core/adapter';
import type { ConsulApi } from './consul-api.js';
import { toElectionError } from './errors.js';
import { deleteHeldKeys } from './held-keys.js';
import { SOURCE } from './source.js';

/**
 * The end of a session (a graceful leave, or the clean-up after a loss that may have left the
 * session alive): delete its keys in the order given (a leave: the leader key first), each while
 * this session still holds it (held-keys.ts), then destroy the session. Keys deleted before the session ends carry no
 * lock-delay, so the next leader takes over at once and this id can join again at once (a key the
 * destroyed session still held would be refused for the whole lock-delay, the TTL by default).
 * The session skeleton bounds a leave: `signal` aborts when the leave timeout runs out.
 *
 * Five requests (two reads, two `DELETE ?cas=`, the destroy), not one `/v1/txn`: the HTTP txn
 * endpoint converts only KV, node, service and check operations (agent/txn_endpoint.go,
 * convertOps), so the destroy cannot join the deletes; and a txn fails as a whole, so deleting
 * "whichever of the two keys this session holds" would need a read first anyway. The handover
 * needs only the leader key's delete, the second request; the rest follows it.
 */
export async function endSession(
  api: ConsulApi,
  keys: readonly string[],
  sessionId: string,
  signal?: AbortSignal,
): Promise<void> {
  let firstError: unknown;
  try {
    await deleteHeldKeys(api, keys, sessionId, signal);
  } catch (error) {
    firstError = error;
  }
  // Destroy even when a delete failed: it frees the keys too (after the lock-delay), and ends
  // the registration.
  if (signal?.aborted !== true) {
    try {
      await api.destroySession(sessionId, signal);
      return;
    } catch (error) {
      firstError ??= error;
    }
  }
  throw firstError ?? signal?.reason;
}

/** What a failed leave rejects with: the registration was left to expire. */
export function leaveFailure(error: unknown): BackendUnavailableError {
  const cause = toElectionError(error, 'leave');
  return new BackendUnavailableError(
    `could not leave cleanly (${cause.message}); the registration expires on its own within 2×TTL.`,
    { source: SOURCE, cause },
  );
}
