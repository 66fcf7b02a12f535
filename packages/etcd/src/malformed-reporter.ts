import { type Logger, MalformedEntryError } from '@election/core';
import { SOURCE } from './options.js';

/**
 * Logs each malformed key once (per backend, across sessions and resyncs), so a stray key does not
 * flood the log on every resync. A key that is deleted, or becomes valid, may be reported again later.
 */
export class MalformedReporter {
  private readonly reported = new Set<string>();

  /** Returns the error when this key is reported for the first time, undefined when it already was. */
  report(logger: Logger, key: string, reason: string): MalformedEntryError | undefined {
    if (this.reported.has(key)) return undefined;
    this.reported.add(key);
    const error = new MalformedEntryError(
      key,
      `Skipping malformed etcd entry ${JSON.stringify(key)}: ${reason}. Delete it (etcdctl del ${JSON.stringify(key)}) or fix its value.`,
      { source: SOURCE },
    );
    logger.warn({ key, reason }, error.message);
    return error;
  }

  forget(key: string): void {
    this.reported.delete(key);
  }
}
