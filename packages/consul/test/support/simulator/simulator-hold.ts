import type { ServerResponse } from 'node:http';
import type { Clock } from '@election/core';

/**
 * Requests a server holds back while it cannot serve them, as Consul does: with no cluster leader a
 * server retries the RPC for up to `rpc_hold_timeout` (7 s by default) before it answers the error
 * (agent/consul/rpc.go, forwardRequestToLeader and canRetry); a client agent with no server to reach
 * does the same (agent/pool, "No known Consul servers"). A held request goes on as usual as soon as
 * the condition clears (`wake()` re-checks every held request), and ends when its client hangs up.
 */
export class HeldRequests {
  readonly #pending = new Set<() => void>();
  readonly #clock: Clock;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Held right now (for tests). */
  get size(): number {
    return this.#pending.size;
  }

  /**
   * Resolves true once `blocked()` is false (at once if it already is), false when `holdMs` ran out
   * first; never resolves when the client hung up meanwhile (the answer would go nowhere).
   */
  hold(res: ServerResponse, blocked: () => boolean, holdMs: number): Promise<boolean> {
    if (!blocked()) return Promise.resolve(true);
    if (holdMs <= 0) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (result: boolean | undefined) => {
        this.#pending.delete(check);
        cancelTimer();
        res.off('close', hungUp);
        if (result !== undefined) resolve(result);
      };
      const check = () => {
        if (!blocked()) done(true);
      };
      const hungUp = () => done(undefined);
      const cancelTimer = this.#clock.setTimer(() => done(false), holdMs);
      this.#pending.add(check);
      res.on('close', hungUp);
    });
  }

  /** Something changed (a leader elected, a partition healed): held requests re-check. */
  wake(): void {
    for (const check of [...this.#pending]) check();
  }
}
