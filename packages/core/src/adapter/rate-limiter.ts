import type { Clock } from '../time/clock.js';

/**
 * A token bucket: `burst` queries go out at once, then one per `refillMs`. This is what Consul's
 * blocking-query guide asks of a watch loop: proceed without waiting in the happy case, and degrade
 * into polling at a bounded rate when results churn (api-docs/features/blocking.mdx, "Rate limit").
 */
export class RateLimiter {
  readonly #clock: Clock;
  readonly #burst: number;
  readonly #refillMs: number;
  #tokens: number;
  #updatedAt: number;

  constructor(clock: Clock, burst: number, refillMs: number) {
    this.#clock = clock;
    this.#burst = burst;
    this.#refillMs = refillMs;
    this.#tokens = burst;
    this.#updatedAt = clock.now();
  }

  /** Takes one token; returns how long (ms) to wait before using it, 0 when one is free now. */
  take(): number {
    if (this.#refillMs <= 0) return 0;
    const now = this.#clock.now();
    this.#tokens = Math.min(this.#burst, this.#tokens + (now - this.#updatedAt) / this.#refillMs);
    this.#updatedAt = now;
    const wait = this.#tokens >= 1 ? 0 : (1 - this.#tokens) * this.#refillMs;
    this.#tokens -= 1;
    return wait;
  }
}
