import { type Clock, createBackoff, type ElectionError, type Logger, sleep } from '@election/core/adapter';
import type { ConsulApi } from './consul-api.js';
import { toElectionError } from './errors.js';
import type { KvEntry } from './kv-entry.js';
import { RateLimiter } from './rate-limiter.js';

/**
 * Quick successive queries allowed before the rate limit applies: 2, as Consul's blocking-query
 * guide advises ("a token bucket with burst of 2", api-docs/features/blocking.mdx, "Rate limit").
 */
export const WATCH_BURST = 2;

export interface ElectionWatcherOptions {
  readonly api: ConsulApi;
  readonly prefix: string;
  readonly waitSeconds: number;
  readonly minIntervalMs: number;
  readonly clock: Clock;
  readonly logger: Logger;
  /**
   * Every entry under the prefix, each time Consul's index for it moves (and after a reset), with
   * that X-Consul-Index (undefined when Consul sent none).
   */
  readonly onData: (entries: KvEntry[], index: bigint | undefined) => void;
  readonly onError: (error: ElectionError) => void;
}

/** Resolves after `ms`, or early when `signal` aborts (stop() is the only thing that aborts it). */
function pause(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  return sleep(clock, ms, signal).catch(() => undefined);
}

/**
 * A blocking-query loop on one prefix (`?recurse&index=&wait=`), following Consul's rules: reset the
 * index to 0 when it goes backwards (snapshot restore, reaped tombstones), never block on an index
 * below 1, rate-limit the loop so it cannot spin, and back off (capped, jittered) on errors.
 */
export class ElectionWatcher {
  readonly #options: ElectionWatcherOptions;
  readonly #controller = new AbortController();
  readonly #errorBackoff = createBackoff({ initialMs: 100, maxMs: 2000 });
  readonly #limiter: RateLimiter;
  #index = 0n;
  #warnedNoIndex = false;

  constructor(options: ElectionWatcherOptions) {
    this.#options = options;
    this.#limiter = new RateLimiter(options.clock, WATCH_BURST, options.minIntervalMs);
  }

  start(): void {
    this.#loop().catch((error: unknown) => {
      // #loop() handles its own failures; reaching here is a bug, reported rather than left unhandled.
      this.#options.logger.error({ err: error }, 'the Consul watch loop failed unexpectedly');
    });
  }

  stop(): void {
    this.#controller.abort();
  }

  async #loop(): Promise<void> {
    const { api, prefix, waitSeconds, clock, logger } = this.#options;
    const signal = this.#controller.signal;
    while (!signal.aborted) {
      const wait = this.#limiter.take();
      if (wait > 0) await pause(clock, wait, signal);
      if (signal.aborted) return;
      let result: Awaited<ReturnType<ConsulApi['list']>>;
      try {
        result = await api.list(prefix, this.#index, waitSeconds, signal);
      } catch (error) {
        if (signal.aborted) return;
        const delay = this.#errorBackoff.next();
        this.#options.onError(toElectionError(error, `watch ${prefix}`, delay));
        await pause(clock, delay, signal);
        continue;
      }
      // An answer that raced stop() is dropped: nobody may hear from a stopped watch.
      if (signal.aborted) return;
      this.#errorBackoff.reset();
      let next = result.index;
      if (next === undefined) {
        // Without X-Consul-Index there is nothing to block on; the rate limiter bounds the polling.
        // Said once as a warning (it is how this agent behaves), then at debug per answer.
        const message = 'Consul answered without X-Consul-Index; polling instead of blocking';
        if (this.#warnedNoIndex) logger.debug({ prefix }, message);
        else logger.warn({ prefix }, message);
        this.#warnedNoIndex = true;
        this.#index = 0n;
        this.#options.onData(result.entries, undefined);
        continue;
      }
      // An index of 0 would make the next query return at once; 1 is always safe to block on.
      if (next < 1n) next = 1n;
      if (next < this.#index) {
        logger.info(
          { prefix, from: this.#index.toString(), to: next.toString() },
          'Consul index went backwards; resetting',
        );
        this.#index = 0n;
        this.#options.onData(result.entries, next);
        continue;
      }
      if (next === this.#index) continue; // The wait ran out, or an idempotent write: nothing changed.
      this.#index = next;
      this.#options.onData(result.entries, next);
    }
  }
}
