import { LifecycleError } from '@election/core';
import { describe, expect, it } from 'vitest';
import { createManualClock, createMemoryCluster } from '../src/index.js';
import { join } from './memory-helpers.js';

/** The message of join() on a closed memory backend names the function that makes a new one (part of the API). */
describe('memory backend: join() once closed', () => {
  it('join() on a closed memory backend: the old message', async () => {
    const clock = createManualClock(10_000);
    const backend = createMemoryCluster({ clock }).backend();
    await backend.close();
    const error = await join(backend, clock, { id: 'a' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LifecycleError);
    expect((error as Error).message).toContain(
      'join() on a closed memory backend; create a new one with cluster.backend().',
    );
  });
});

describe('memory backend: close() while a join is in flight', () => {
  it('the join, waiting out a previous lease, fails at once with LifecycleError; nothing of it is left behind', async () => {
    const clock = createManualClock();
    const cluster = createMemoryCluster({ clock });
    const crashed = await join(cluster.backend(), clock, { id: 'a', meta: { run: '1' } }, 3000);
    crashed.close(); // walks away: the next join of "a" waits its lease out
    const backend = cluster.backend();
    const joining = join(backend, clock, { id: 'a', meta: { run: '2' } }, 3000).catch((e: unknown) => e);
    await clock.advance(100);
    await backend.close(); // cuts the wait for the crashed lease short
    const error = await joining;
    await clock.advance(3500); // the crashed lease expires
    expect(error).toBeInstanceOf(LifecycleError);
    expect((error as Error).message).toBe(
      '[@election/testing] This memory backend was closed while joining.',
    );
    expect(cluster.members()).toEqual([]);
    expect(cluster.liveLeases()).toBe(0);
    cluster.dispose();
  });
});
