import type { ElectionError } from '../errors.js';
import type { Logger } from '../logger.js';
import { errorForLog } from '../mask-error.js';
import type { Clock } from '../time/clock.js';

/** At most one warning per this many ms while the backend keeps failing. */
export const OUTAGE_SUMMARY_MS = 30_000;

export interface OutageLogOptions {
  readonly logger: Logger;
  readonly clock: Clock;
  /** The backend's name and where it is: "etcd at http://127.0.0.1:2379". */
  readonly target: string;
}

const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;

/**
 * Turns a stream of backend failures into a quiet log: one warning when trouble starts (what
 * failed, where, when the next try is), then at most one summary every 30 s while it lasts, and
 * one info line when it ends. Every failure, with its stack, goes to debug only.
 */
export class OutageLog {
  readonly #options: OutageLogOptions;
  #open = false;
  #since = 0;
  #attempts = 0;
  #lastError: ElectionError | undefined;
  /** When the last warning (start or summary) was written; -Infinity before the first. */
  #warnedAt = Number.NEGATIVE_INFINITY;
  /** This outage has written a warning, so its end gets an info line. */
  #announced = false;

  constructor(options: OutageLogOptions) {
    this.#options = options;
  }

  get open(): boolean {
    return this.#open;
  }

  /** When the current outage began (clock ms), or undefined when there is none. */
  get since(): number | undefined {
    return this.#open ? this.#since : undefined;
  }

  get lastError(): ElectionError | undefined {
    return this.#open ? this.#lastError : undefined;
  }

  /** One failed attempt; `retryInMs` when the caller knows when it tries again. */
  failed(error: ElectionError, retryInMs?: number): void {
    const { logger, clock, target } = this.#options;
    const now = clock.now();
    logger.debug({ err: errorForLog(error), code: error.code, retryInMs }, 'backend call failed');
    this.#lastError = error;
    if (!this.#open) {
      this.#open = true;
      this.#since = now;
      this.#attempts = 0;
      this.#announced = false;
    }
    this.#attempts++;
    if (now - this.#warnedAt < OUTAGE_SUMMARY_MS) return;
    const retry = retryInMs === undefined ? '' : ` Next try in ${seconds(retryInMs)}.`;
    const first = this.#attempts === 1;
    logger.warn(
      {
        code: error.code,
        failingForMs: Math.round(now - this.#since),
        attempts: this.#attempts,
        ...(retryInMs === undefined ? {} : { retryInMs: Math.round(retryInMs) }),
      },
      first
        ? `${target}: ${error.message}${retry} Retrying quietly; a summary follows every ${seconds(OUTAGE_SUMMARY_MS)} while this lasts.`
        : `${target} still failing after ${seconds(now - this.#since)} (${this.#attempts} failed attempts); last error: ${error.message}${retry}`,
    );
    this.#warnedAt = now;
    this.#announced = true;
  }

  /** A call succeeded: ends the current outage, if any. */
  recovered(): void {
    if (!this.#open) return;
    const { logger, clock, target } = this.#options;
    const lasted = clock.now() - this.#since;
    this.#open = false;
    const fields = { failedForMs: Math.round(lasted), attempts: this.#attempts };
    const message = `${target} answers again after ${seconds(lasted)} (${this.#attempts} failed attempts)`;
    if (this.#announced) logger.info(fields, message);
    else logger.debug(fields, message);
  }
}
