import type { Logger, Unsubscribe } from '@election/core';

/**
 * A set of listeners. A listener that throws is logged and skipped: one bad subscriber must not
 * stop the others from hearing about a lost lease or a new leader.
 */
export class Listeners<T> {
  private readonly listeners = new Set<(value: T) => void>();

  constructor(
    private readonly logger: Logger,
    private readonly what: string,
  ) {}

  add(listener: (value: T) => void): Unsubscribe {
    // Wrapped so the same function subscribed twice gets two independent subscriptions.
    const entry = (value: T) => listener(value);
    this.listeners.add(entry);
    return () => {
      this.listeners.delete(entry);
    };
  }

  emit(value: T): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(value);
      } catch (error) {
        this.logger.error({ err: error }, `a ${this.what} listener threw; ignored`);
      }
    }
  }

  clear(): void {
    this.listeners.clear();
  }
}
