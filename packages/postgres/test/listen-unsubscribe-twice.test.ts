import { describe, expect, it } from 'vitest';
import { listen, type Subscriber } from '../src/notifications.js';
import { recordingLogger, until, usePostgres } from './postgres.js';

/**
 * review17 N1: an unsubscribe called a second time, after a later session subscribed to the same
 * election, must not take that session's subscription with it (it deleted the map entry by key).
 */
const postgres = usePostgres();

function subscriber(wake: () => void): Subscriber {
  return { wake, probe: false, logger: recordingLogger(), pollMs: 2000, notify: async () => {} };
}

describe('the shared listener', () => {
  it('an unsubscribe called twice leaves a later subscription of the same election alone: it is still woken by NOTIFY', async () => {
    const config = postgres.server().clientOptions;
    // A third subscription on another election keeps the listening connection open throughout.
    const keep = listen(
      config,
      'n1_channel',
      'other',
      subscriber(() => {}),
    );
    let woken = 0;
    try {
      const first = listen(
        config,
        'n1_channel',
        'e',
        subscriber(() => {}),
      );
      first();
      const second = listen(
        config,
        'n1_channel',
        'e',
        subscriber(() => (woken += 1)),
      );
      try {
        first(); // again: a double stop
        const before = woken;
        await until(
          async () => {
            await postgres.admin().query(`select pg_notify('n1_channel', 'e')`);
            return woken > before;
          },
          'the second subscription to be woken by a NOTIFY',
          5_000,
        );
        expect(woken).toBeGreaterThan(before);
      } finally {
        second();
      }
    } finally {
      keep();
    }
  }, 20_000);
});
