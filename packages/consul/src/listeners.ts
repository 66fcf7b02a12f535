import type { Logger, Unsubscribe } from '@election/core';

export interface Listeners<T> {
  subscribe(listener: (value: T) => void): Unsubscribe;
  emit(value: T): void;
  size(): number;
}

/**
 * A listener set that survives a throwing listener. With `once`, it emits at most one value, and a
 * listener that subscribes after it still hears it (on a microtask, after subscribe() returned).
 */
export function createListeners<T>(
  logger: Logger,
  what: string,
  options: { once?: boolean } = {},
): Listeners<T> {
  const listeners = new Set<(value: T) => void>();
  let fired: { value: T } | undefined;

  function deliver(listener: (value: T) => void, value: T): void {
    try {
      listener(value);
    } catch (error) {
      logger.error({ err: error }, `an ${what} listener threw; the adapter carries on`);
    }
  }

  return {
    subscribe(listener) {
      const wrapped = (value: T) => listener(value);
      if (fired !== undefined) {
        const { value } = fired;
        queueMicrotask(() => deliver(wrapped, value));
        return () => {};
      }
      listeners.add(wrapped);
      return () => {
        listeners.delete(wrapped);
      };
    },
    emit(value) {
      if (options.once) {
        if (fired !== undefined) return;
        fired = { value };
      }
      const current = [...listeners];
      if (options.once) listeners.clear();
      for (const listener of current) deliver(listener, value);
    },
    size: () => listeners.size,
  };
}
