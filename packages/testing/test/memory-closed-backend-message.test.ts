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
