import type { Clock } from '@election/core';

export interface TokenBucket {
  /** Takes one token; returns how long (ms) to wait before using it, 0 when one is free now. */
  take(): number;
}

/**
 * Consul's blocking-query guidance: proceed without waiting in the happy case, but when results
 * churn, degrade into polling at a bounded rate; a token bucket with a burst of 2 does exactly that.
 */
export function createTokenBucket(clock: Clock, burst: number, refillMs: number): TokenBucket {
  let tokens = burst;
  let updatedAt = clock.now();
  return {
    take() {
      if (refillMs <= 0) return 0;
      const now = clock.now();
      tokens = Math.min(burst, tokens + (now - updatedAt) / refillMs);
      updatedAt = now;
      const wait = tokens >= 1 ? 0 : (1 - tokens) * refillMs;
      tokens -= 1;
      return wait;
    },
  };
}
