import { createElectionHandler } from '@election/http';
import { assertStays, createManualClock, waitFor } from '@election/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, cluster, get, listen, onCleanup } from './support.js';

/**
 * Review of issue 20, `/readyz`: "not ready while the backend is unreachable past one renewal
 * interval". The interval is TTL / 3 of the handler's `ttlMs` option (default 10 s), not of the
 * elector's TTL, which the handler never reads.
 */
afterEach(cleanup);

const TTL_MS = 30_000; // the elector's: renewal interval 10 s

async function partitioned(handlerTtlMs?: number) {
  const clock = createManualClock(1_000_000);
  const { node, memory } = cluster({ clock });
  const a = node('node-a', { ttlMs: TTL_MS });
  const started = a.start();
  await waitFor(() => a.state.isLeader, { clock, timeoutMs: 5000, message: 'node-a to lead' });
  await started;
  const handler = createElectionHandler(a, handlerTtlMs === undefined ? {} : { ttlMs: handlerTtlMs });
  onCleanup(() => handler.close());
  const url = await listen((req, res) => handler(req, res));
  const errorsAt: number[] = [];
  onCleanup(a.subscribe((event) => event.type === 'error' && errorsAt.push(clock.now() - cutAt)));
  expect((await get(`${url}/readyz`)).status).toBe(200);
  memory.partition('node-a');
  const cutAt = clock.now();
  return { clock, url, a, cutAt, errorsAt };
}

const readyz = async (url: string) => (await get(`${url}/readyz`)).status;

describe('review: /readyz with the elector TTL other than 10 s and no ttlMs given to the handler', () => {
  it('holds: says not ready within two renewal intervals of the elector (before its registration deadline)', async () => {
    const { clock, url, cutAt, errorsAt } = await partitioned();
    let notReadyAt: number | null = null;
    await waitFor(
      async () => {
        if ((await readyz(url)) === 503) notReadyAt = clock.now() - cutAt;
        return notReadyAt !== null;
      },
      { clock, timeoutMs: TTL_MS + 5000, stepMs: 250, message: '/readyz to say not ready' },
    ).catch(() => {});
    console.log(
      `review readyz: errors at ${errorsAt.join(', ')} ms; not ready at ${notReadyAt} ms after the cut`,
    );
    expect(notReadyAt).not.toBeNull();
    expect(notReadyAt as unknown as number).toBeLessThan((2 * TTL_MS) / 3);
  });

  it.each([
    ['not given (default 10 s)', undefined],
    ['given, the elector TTL', TTL_MS],
  ])(
    'once not ready, stays not ready while the backend stays cut off (no flapping); handler ttlMs %s',
    async (_, handlerTtlMs) => {
      const { clock, url, cutAt, errorsAt } = await partitioned(handlerTtlMs);
      const seen: string[] = [];
      let last = 0;
      onCleanup(() =>
        console.log(`review readyz flaps: ${seen.join(' ')}; errors at ${errorsAt.join(', ')} ms`),
      );
      const watch = async () => {
        const status = await readyz(url);
        if (status !== last) seen.push(`${status}@${clock.now() - cutAt}`);
        last = status;
        return status;
      };
      await waitFor(async () => (await watch()) === 503, {
        clock,
        timeoutMs: TTL_MS,
        stepMs: 250,
        message: '/readyz to say not ready',
      });
      await assertStays(async () => (await watch()) === 503, {
        clock,
        durationMs: TTL_MS,
        stepMs: 250,
        message: '/readyz to stay 503 while cut off',
      });
    },
  );
});
