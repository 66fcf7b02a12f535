export interface BackoffOptions {
  /** First delay ceiling, ms. Default 100. */
  readonly initialMs?: number;
  /** The cap on any delay, ms. Default 1000, so a node rejoins within about a second of a recovery. */
  readonly maxMs?: number;
  /** Growth per attempt. Default 2. */
  readonly factor?: number;
  /** Source of randomness in [0, 1); injectable for deterministic tests. */
  readonly random?: () => number;
}

export interface Backoff {
  /** The delay before the next attempt. */
  next(): number;
  /** Call after a success, so the next failure starts small again. */
  reset(): void;
}

/**
 * Capped exponential backoff with "equal jitter": each delay lies in [ceiling/2, ceiling], so retries
 * from many nodes spread out while none retries sooner than half the ceiling.
 */
export function createBackoff(options: BackoffOptions = {}): Backoff {
  const initialMs = options.initialMs ?? 100;
  const maxMs = options.maxMs ?? 1000;
  const factor = options.factor ?? 2;
  const random = options.random ?? Math.random;
  let attempt = 0;
  return {
    next() {
      const ceiling = Math.min(maxMs, initialMs * factor ** attempt);
      attempt += 1;
      return ceiling / 2 + (random() * ceiling) / 2;
    },
    reset() {
      attempt = 0;
    },
  };
}
