import type { Logger, MalformedEntryError } from '@election/core';
import type { KvEntry } from './kv-entry.js';

export interface MalformedReporter {
  /** Reports each malformed entry once per version of it (key + ModifyIndex); forgets fixed ones. */
  report(found: ReadonlyArray<{ readonly entry: KvEntry; readonly error: MalformedEntryError }>): void;
}

/** Junk under the prefix is skipped on every read, but said only once, so the logs do not flood. */
export function createMalformedReporter(
  logger: Logger,
  emit: (error: MalformedEntryError) => void,
): MalformedReporter {
  const reported = new Map<string, bigint>();
  return {
    report(found) {
      const current = new Set<string>();
      for (const { entry, error } of found) {
        current.add(entry.key);
        if (reported.get(entry.key) === entry.modifyIndex) continue;
        reported.set(entry.key, entry.modifyIndex);
        logger.warn({ key: entry.key, modifyIndex: entry.modifyIndex.toString() }, error.message);
        emit(error);
      }
      for (const key of reported.keys()) if (!current.has(key)) reported.delete(key);
    },
  };
}
