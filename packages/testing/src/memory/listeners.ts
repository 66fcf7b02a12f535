import type { Logger, Unsubscribe } from '@election/core';

/**
 * Listeners of one session signal (lost, error). A listener that throws is logged and the others
 * still run: a bug in the caller's listener must not break the simulated server's timers.
 */
export class Listeners<T> {
  private readonly listeners = new Set<(value: T) => void>();

  constructor(
    private readonly logger: Logger,
    private readonly what: string,
  ) {}

  add(listener: (value: T) => void): Unsubscribe {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  emit(value: T): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(value);
      } catch (error) {
        this.logger.error({ err: error }, `an ${this.what} listener threw`);
      }
    }
  }

  clear(): void {
    this.listeners.clear();
  }
}
