import { BackendUnavailableError } from '../errors.js';
import type { Clock } from '../time/clock.js';

/**
 * Rejects with a BackendUnavailableError ("Could not <action> within <ms> ms") when `promise` has
 * not settled within `ms` on `clock`. The promise itself is not cancelled: pass a signal to the
 * call too when the client supports one.
 */
export function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
  action: string,
  options: { readonly source: string; readonly clock?: Clock },
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onTimeout = () =>
      reject(new BackendUnavailableError(`Could not ${action} within ${ms} ms.`, { source: options.source }));
    const cancel = options.clock
      ? options.clock.setTimer(onTimeout, ms)
      : (() => {
          const handle = setTimeout(onTimeout, ms);
          return () => clearTimeout(handle);
        })();
    promise.then(
      (value) => {
        cancel();
        resolve(value);
      },
      (error: unknown) => {
        cancel();
        reject(error);
      },
    );
  });
}
