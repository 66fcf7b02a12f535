/** One try at the leader lock: the token it got, or, refused, the holding that blocked it. */
export type LockAttempt<B> = { readonly token: bigint } | { readonly token: null; readonly blocker: B };

/** Tries in all, the first included: a holding that keeps ending under the answers gives up after that. */
export const LOCK_ATTEMPTS = 3;

/**
 * `LeaderLock.tryAcquire` under the contract's rule for a null answer: it is only given while the
 * holder watch shows, or has yet to show, the holding that blocked it. When the watch already
 * showed that holding end while the answer was in flight (`blockerEnded`), a caller waiting for
 * the next holder change would wait for nothing, so the attempt is made again (at most
 * LOCK_ATTEMPTS in all; then null).
 */
export async function acquireUnlessBlockerEnded<B>(
  attempt: () => Promise<LockAttempt<B>>,
  blockerEnded: (blocker: B) => boolean,
): Promise<bigint | null> {
  for (let tries = 0; tries < LOCK_ATTEMPTS; tries++) {
    const outcome = await attempt();
    if (outcome.token !== null) return outcome.token;
    if (!blockerEnded(outcome.blocker)) return null;
  }
  return null;
}
