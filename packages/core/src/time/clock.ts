/**
 * Time as core sees it. Every deadline and timer goes through a Clock so that tests drive time by
 * hand (see `createManualClock` in @election/testing) and a paused process is simulated exactly.
 */
export interface Clock {
  /** Milliseconds; must never go backwards. */
  now(): number;
  /** Run `fn` once after `ms`; the returned function cancels it (harmless after it ran). */
  setTimer(fn: () => void, ms: number): () => void;
}

/**
 * The real clock. `performance.timeOrigin + performance.now()` is monotonic (immune to wall-clock
 * steps) yet reads like epoch milliseconds, so records from several processes line up.
 */
export const systemClock: Clock = {
  now: () => performance.timeOrigin + performance.now(),
  setTimer(fn, ms) {
    // Node fires a timer over 2^31 - 1 ms at once; clamp it (callers re-check their deadline anyway).
    const handle = setTimeout(fn, Math.min(Math.max(0, ms), 2_147_483_647));
    return () => clearTimeout(handle);
  },
};

/** Resolves after `ms` on `clock`, or rejects with the signal's reason when it aborts first. */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      cancel();
      reject(signal?.reason);
    };
    const cancel = clock.setTimer(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
