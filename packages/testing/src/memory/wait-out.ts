import { type Clock, sleep } from '@election/core/adapter';

export interface WaitOutOptions {
  readonly clock: Clock;
  readonly signal: AbortSignal;
  /** Time between two readings of the holder's lease. */
  readonly pollMs: number;
  /** Reads the holder's lease: how many keepalives it has received, or undefined once it is gone. */
  readonly read: () => Promise<number | undefined>;
  /** The error to throw when the holder keeps renewing: that holder keeps the id. */
  readonly duplicate: () => Error;
}

/**
 * Waits out the registration that holds this node's id (a crashed process restarted under its own
 * id): resolves once the holder's lease is gone, throws `duplicate()` as soon as the lease is seen
 * renewed (a live process holds the id), and rejects when `signal` aborts. The backend contract's
 * rule (`MembershipBackend.join`): only a holder that keeps renewing is a duplicate.
 */
export async function waitOutHolder(options: WaitOutOptions): Promise<void> {
  const first = await options.read();
  if (first === undefined) return;
  for (;;) {
    await sleep(options.clock, options.pollMs, options.signal);
    const now = await options.read();
    if (now === undefined) return;
    if (now !== first) throw options.duplicate();
  }
}
