import { describe, expect, it } from 'vitest';
import { listen, PROBE_DEADLINE_MS, PROBE_EVERY_MS } from '../src/notifications.js';
import { listenerPid, recordingLogger, until, usePostgres } from './postgres.js';

/**
 * review23b P2: a probe-wanting session joins a listener already connected (sessions with the
 * probe off hold it) and is the first of its election, so the listener sends a LISTEN for it. The
 * probe is queued behind that LISTEN (`this.#queue.then(() => this.#probe(client))`). When the
 * listening backend has stopped answering (SIGSTOP: the socket stays open), the very case the probe
 * is there to find, the LISTEN never answers and the probe never starts: the dead listener is kept
 * for ever and nothing is said.
 */
const postgres = usePostgres();

describe('the shared listener probe, asked for on a listener that has stopped answering', () => {
  it('a probe-wanting session of a new election finds the stopped listener (a miss is said)', async () => {
    const config = postgres.server().clientOptions;
    const admin = postgres.admin();
    const keep = listen(config, 'r23b2_channel', 'other', {
      wake: () => {},
      probe: false,
      logger: recordingLogger(),
      pollMs: 2000,
      notify: async () => {},
    });
    let stalled: number | undefined;
    try {
      await until(
        async () => (await listenerPid(postgres.admin()).catch(() => undefined)) !== undefined,
        'the listening connection',
        5000,
      );
      stalled = await listenerPid(postgres.admin());
      process.kill(stalled, 'SIGSTOP');
      const logger = recordingLogger();
      let probes = 0;
      const later = listen(config, 'r23b2_channel', 'e2', {
        wake: () => {},
        probe: true,
        logger,
        pollMs: 2000,
        notify: async (channel, payload) => {
          probes += 1;
          await admin.query('select pg_notify($1, $2)', [channel, payload]);
        },
      });
      try {
        // One probe period plus its deadline, and slack: the miss is said on the session's logger.
        await until(
          async () => logger.lines.some((line) => line.includes('do not arrive')),
          'the probe to find the stopped listener',
          PROBE_EVERY_MS + PROBE_DEADLINE_MS + 3000,
        ).catch(() => undefined);
        expect(probes, 'probe NOTIFYs sent').toBeGreaterThan(0);
        expect(logger.lines.filter((line) => line.includes('do not arrive'))).toHaveLength(1);
      } finally {
        later();
      }
    } finally {
      if (stalled !== undefined) process.kill(stalled, 'SIGCONT');
      keep();
    }
  }, 40_000);
});
