import { type Clock, createErrorMapper, withTimeout } from '@election/core/adapter';
import { SOURCE } from './source.js';

export const toElectionError = createErrorMapper(SOURCE);

/** One statement, bounded by `timeoutMs` on `clock`; any failure as this adapter's ElectionError. */
export function statement<T>(work: Promise<T>, action: string, timeoutMs: number, clock: Clock): Promise<T> {
  return withTimeout(work, timeoutMs, action, { source: SOURCE, clock }).catch((error: unknown) => {
    throw toElectionError(error, action);
  });
}
