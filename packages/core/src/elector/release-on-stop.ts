import type { LeaderLock } from '../contracts/backend.js';
import type { Logger } from '../logger.js';
import { errorForLog } from '../mask-error.js';
import type { Clock } from '../time/clock.js';

/** A release at stop gets this long at most (a healthy backend answers in milliseconds). */
export const RELEASE_ON_STOP_MS = 500;

/**
 * `stop({ resign: true })` on a leader: releases the lock by its token before the session leaves,
 * so every other node sees the leadership end in one change and the registration go in a later one
 * (a graceful stop), even where `leave()` alone would end both in one step (etcd and the in-memory
 * backend revoke the lease; etcd then deletes the leader key and the member key in one revision),
 * which is what a crash looks like when its lease expires. `@election/prometheus` tells the two
 * apart that way (leaderless time is dated back only for an expiry).
 *
 * With a successor `to` and a backend that offers `transfer`, the holding is handed to it in one
 * write instead (the direct handover: the successor leads without release → watch → acquire); a
 * transfer whose condition failed (the successor left meanwhile) falls back to the release.
 *
 * Waits at most `min(RELEASE_ON_STOP_MS, lockTimeoutMs)` in all, never fails: `leave()` follows and ends
 * the holding with the registration anyway. A release answered after that still names its token, so
 * it can delete no other holding.
 */
export async function releaseOnStop(
  lock: LeaderLock,
  token: bigint,
  options: { readonly clock: Clock; readonly lockTimeoutMs: number; readonly logger: Logger },
  to?: string,
): Promise<void> {
  let cancel: () => void = () => {};
  const bound = new Promise<void>((resolve) => {
    cancel = options.clock.setTimer(resolve, Math.min(RELEASE_ON_STOP_MS, options.lockTimeoutMs));
  });
  const handOver = to !== undefined && lock.transfer ? lock.transfer(token, to) : Promise.resolve(null);
  const release = handOver
    .then((handedAs) => (handedAs === null ? lock.release(token) : undefined))
    .catch((error: unknown) =>
      options.logger.debug(
        { err: errorForLog(error) },
        'releasing the lock on stop failed; leaving releases it',
      ),
    );
  try {
    await Promise.race([release, bound]);
  } finally {
    cancel();
  }
}
