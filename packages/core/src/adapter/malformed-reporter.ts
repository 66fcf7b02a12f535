import type { MalformedEntryError } from '../errors.js';
import type { Logger } from '../logger.js';
import { maskSecrets } from '../mask-secrets.js';

/**
 * Junk under an election's prefix is skipped on every read, but said only once per version of it,
 * so a stray key does not flood the log on every resync. A key that was fixed or deleted (not in
 * the keys passed to `retain`, or passed to `forget`) is reported again if it turns bad again.
 */
export class MalformedReporter {
  readonly #reported = new Map<string, string>();
  readonly #logger: Logger;
  readonly #onReport: (error: MalformedEntryError) => void;

  /**
   * `logger` gets the warnings, `onReport` each reported error (a session's onError). A reporter
   * that outlives sessions (one per backend) may pass each report's logger to `report` instead.
   */
  constructor(logger: Logger, onReport: (error: MalformedEntryError) => void = () => {}) {
    this.#logger = logger;
    this.#onReport = onReport;
  }

  /**
   * Logs `error` (a warning) and hands it to `onReport` unless this key was already reported at
   * this `version` (the backend's modify index or revision; omit it to report a key only once).
   * Returns whether it was reported now.
   */
  report(
    error: MalformedEntryError,
    version: bigint | number | string = '',
    logger: Logger = this.#logger,
  ): boolean {
    const tag = String(version);
    if (this.#reported.get(error.key) === tag) return false;
    this.#reported.set(error.key, tag);
    logger.warn({ key: error.key, ...(tag === '' ? {} : { version: tag }) }, maskSecrets(error.message));
    this.#onReport(error);
    return true;
  }

  forget(key: string): void {
    this.#reported.delete(key);
  }

  /** Forgets every reported key that is not among `keys` (the malformed ones of a full read). */
  retain(keys: Iterable<string>): void {
    const keep = new Set(keys);
    for (const key of [...this.#reported.keys()]) if (!keep.has(key)) this.#reported.delete(key);
  }
}
