import type { ElectionState, Elector } from './types.js';

/**
 * The current state, then the state after every change, as an async iterator. A slow consumer is
 * handed the newest state when it asks (states in between are skipped, never queued without
 * bound). Ends when the elector stops, the signal aborts, or the consumer breaks out.
 */
export function iterateChanges(elector: Elector, signal?: AbortSignal): AsyncIterableIterator<ElectionState> {
  let latest: ElectionState | undefined = elector.state;
  let done = false;
  let wake: (() => void) | undefined;
  const finish = () => {
    done = true;
    unsubscribe();
    signal?.removeEventListener('abort', finish);
    wake?.();
  };
  if (latest.phase === 'stopped') done = true; // a stopped elector has nothing more to say
  const unsubscribe = elector.subscribe((event, state) => {
    if (event.type === 'renewal') return; // changes no state
    latest = state;
    if (event.type === 'phase' && event.phase === 'stopped') done = true;
    wake?.();
  });
  if (signal?.aborted) finish();
  else signal?.addEventListener('abort', finish, { once: true });

  const iterator: AsyncIterableIterator<ElectionState> = {
    async next() {
      while (latest === undefined && !done) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
      if (latest !== undefined) {
        const value = latest;
        latest = undefined;
        return { value, done: false };
      }
      finish();
      return { value: undefined, done: true };
    },
    async return() {
      finish();
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
