import { describe, expect, it } from 'vitest';
import { listen, PROBE_DEADLINE_MS } from '../src/notifications.js';
import { recordingLogger, until, useClient, usePostgres } from './postgres.js';

/**
 * review23 (checked sound): the listener's probe under a stalled event loop. Right after the
 * probe's NOTIFY is answered (and its deadline timer armed), the loop is blocked for longer than
 * the deadline, while the notification does arrive in time on the listening socket. No false
 * "notifications do not arrive" line may follow. (Checked to fail with the verdict's setImmediate
 * removed from notifications.ts.)
 */
const postgres = usePostgres();
const sender = useClient(postgres);

function block(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // a stalled event loop
  }
}

describe('the probe under a stalled event loop', () => {
  it('a probe that arrived in time is not called a miss when the loop stalls past its deadline', async () => {
    const logger = recordingLogger();
    let sent = 0;
    const unsubscribe = listen(postgres.server().clientOptions, 'review23_probe', 'e', {
      wake: () => {},
      probe: true,
      logger,
      pollMs: 2000,
      notify: async (channel, payload) => {
        sent += 1;
        const sending = sender().query('select pg_notify($1, $2)', [channel, payload]);
        if (sent > 1) return sending;
        // The first probe: written to the socket now, answered "sent" at once (the deadline is
        // armed in the listener's `.then`), then the loop stalls past the deadline while the
        // server delivers the notification to the listening socket.
        void sending.catch(() => {});
        queueMicrotask(() => queueMicrotask(() => block(PROBE_DEADLINE_MS + 500)));
      },
    });
    try {
      // The second probe is sent PROBE_EVERY_MS after the first arrived, or at once after a miss.
      await until(async () => sent >= 2, 'a second probe', 10_000);
      expect(logger.lines.filter((line) => /do not arrive/.test(line))).toEqual([]);
    } finally {
      unsubscribe();
    }
  }, 20_000);
});
