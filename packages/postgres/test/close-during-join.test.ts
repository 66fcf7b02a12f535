import { LifecycleError } from '@election/core';
import { systemClock } from '@election/core/adapter';
import { describe, expect, it } from 'vitest';
import { freshSchema, joinAs, recordingLogger, until, useBackends, usePostgres } from './postgres.js';

/**
 * BackendLifecycle.close() aborts a join in flight through the signal it passes to
 * `register(client, signal)`; the postgres backend passes that signal on (joinRounds, the wait for a
 * previous row), so close() settles at once, as etcd's and Consul's do (their close-during-join
 * tests). Regression (review23 F1): with `request.signal` there, close() waited the whole drain (5 s).
 */
const postgres = usePostgres();
const TTL_MS = 8000;
const { backendOf } = useBackends(postgres);
const processOf = (schema: string) => backendOf({ schema });

describe('close() overtakes a postgres join', () => {
  it("while it waits out this id's previous row: close() settles at once and the join fails with LifecycleError", async () => {
    const schema = freshSchema();
    const crashed = await joinAs(processOf(schema), 'node-1', { ttlMs: TTL_MS });
    crashed.close(); // a crash: the row stays until it expires (~TTL)
    const restarted = processOf(schema);
    let settled = false;
    const logger = recordingLogger();
    const outcome = restarted
      .join({
        member: { id: 'node-1' },
        ttlMs: TTL_MS,
        clock: systemClock,
        logger,
        signal: new AbortController().signal,
        takeover: false,
      })
      .catch((error: unknown) => error)
      .finally(() => {
        settled = true;
      });
    await until(
      async () =>
        logger.lines.some((line) => /previous registration of node-1 to expire/.test(line)) || settled,
      'the join to wait',
    );
    expect(settled).toBe(false);
    const closedAt = performance.now();
    await restarted.close();
    const closeMs = performance.now() - closedAt;
    const error = await outcome;
    const failedMs = performance.now() - closedAt;
    expect(Math.round(closeMs), 'close() took this long (ms)').toBeLessThan(1000);
    expect(Math.round(failedMs), 'the join failed this long after close() (ms)').toBeLessThan(1000);
    expect(error).toBeInstanceOf(LifecycleError);
  }, 30_000);
});
