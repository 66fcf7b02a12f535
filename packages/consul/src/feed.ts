import type { Logger, Unsubscribe } from '@election/core';

/** The latest value of something, replayed to each new listener, then every change. */
export interface Feed<T> {
  /** Delivers `value` unless it equals the last one. */
  publish(value: T): void;
  subscribe(listener: (value: T) => void): Unsubscribe;
  /** Drops every listener; later publishes go nowhere. */
  clear(): void;
}

export function createFeed<T>(equals: (a: T, b: T) => boolean, logger: Logger, what: string): Feed<T> {
  const listeners = new Set<(value: T) => void>();
  let last: { value: T } | undefined;

  // One listener throwing must neither starve the others nor break the watch loop feeding them.
  function deliver(listener: (value: T) => void, value: T): void {
    try {
      listener(value);
    } catch (error) {
      logger.error({ err: error }, `a ${what} listener threw; the adapter carries on`);
    }
  }

  return {
    publish(value) {
      if (last !== undefined && equals(last.value, value)) return;
      last = { value };
      for (const listener of [...listeners]) deliver(listener, value);
    },
    subscribe(listener) {
      const wrapped = (value: T) => listener(value);
      listeners.add(wrapped);
      if (last !== undefined) deliver(wrapped, last.value);
      return () => {
        listeners.delete(wrapped);
      };
    },
    clear() {
      listeners.clear();
    },
  };
}
