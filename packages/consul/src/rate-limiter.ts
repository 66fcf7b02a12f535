import type { Clock } from '@election/core/adapter';

export interface RateLimiter {
  /** Takes one token; returns how long (ms) to wait before using it, 0 when one is free now. */
  take(): number;
}

/**
 * A token bucket: `burst` queries go out at once, then one per `refillMs`. This is what Consul's
 * blocking-query guide asks of a watch loop: proceed without waiting in the happy case, and degrade
 * into polling at a bounded rate when results churn (api-docs/features/blocking.mdx, "Rate limit").
 */
export function createRateLimiter(clock: Clock, burst: number, refillMs: number): RateLimiter {
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
