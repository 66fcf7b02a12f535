import { afterEach, describe, expect, it } from 'vitest';
import { listen, PROBE_EVERY_MS, type Subscriber } from '../src/notifications.js';
import { recordingLogger, until, usePostgres } from './postgres.js';

/**
 * review23b P1: a session that asks for the probe (listenProbe) joins a listener that is already
 * connected, after an earlier probe-wanting session left while another session (probe off) kept the
 * listener open. notifications.ts says "the first session that asks for the probe starts it on a
 * listener already connected", but its check `this.#timer === undefined` sees the handle of the
 * probe timer that already fired (#probe returned early, with no probe-wanting subscriber left,
 * before it cleared #timer): the probe never starts again on that listener.
 */
const postgres = usePostgres();

const realSetTimeout = globalThis.setTimeout;
afterEach(() => {
  globalThis.setTimeout = realSetTimeout;
});

function subscriber(probe: boolean, notify: Subscriber['notify'] = async () => {}): Subscriber {
  return { wake: () => {}, probe, logger: recordingLogger(), pollMs: 2000, notify };
}

describe('the shared listener probe', () => {
  it('a probe-wanting session that joins after an earlier one left (a probe-off session kept the listener) is probed', async () => {
    const config = postgres.server().clientOptions;
    const admin = postgres.admin();
    // Observe the listener's "next probe" timers (PROBE_EVERY_MS) firing; nothing else is changed.
    let armed = 0;
    let fired = 0;
    globalThis.setTimeout = ((fn: (...a: unknown[]) => void, ms?: number, ...rest: unknown[]) => {
      if (ms !== PROBE_EVERY_MS) return realSetTimeout(fn, ms, ...rest);
      armed += 1;
      return realSetTimeout(
        (...a: unknown[]) => {
          fired += 1;
          fn(...a);
        },
        ms,
        ...rest,
      );
    }) as typeof setTimeout;

    const keep = listen(config, 'r23b_channel', 'other', subscriber(false));
    try {
      let firstProbes = 0;
      const first = listen(
        config,
        'r23b_channel',
        'e1',
        subscriber(true, async (channel, payload) => {
          firstProbes += 1;
          await admin.query('select pg_notify($1, $2)', [channel, payload]);
        }),
      );
      // The probe ran and came back: the next one is armed.
      await until(async () => firstProbes > 0 && armed > 0, 'the first probe to come back', 10_000);
      first(); // the only probe-wanting session leaves; `keep` holds the listener open
      await until(
        async () => fired > 0,
        'the armed probe timer to fire (it finds no one to probe for)',
        10_000,
      );

      let laterProbes = 0;
      const later = listen(
        config,
        'r23b_channel',
        'e2',
        subscriber(true, async (channel, payload) => {
          laterProbes += 1;
          await admin.query('select pg_notify($1, $2)', [channel, payload]);
        }),
      );
      try {
        // At once by the code's own comment; allow one whole probe period on top.
        const deadline = Date.now() + PROBE_EVERY_MS + 2000;
        while (laterProbes === 0 && Date.now() < deadline) await new Promise((r) => realSetTimeout(r, 50));
        expect(laterProbes, 'probe NOTIFYs sent for the later probe-wanting session').toBeGreaterThan(0);
      } finally {
        later();
      }
    } finally {
      keep();
    }
  }, 40_000);
});
