import { LifecycleError } from '@election/core';
import { describe, expect, it } from 'vitest';
import { createStaticMembership } from '../src/index.js';
import { joinRequest } from './helpers.js';

/** The message of join() on a closed backend names the function that makes a new one (part of the API). */
describe('static backend: join() once closed', () => {
  it('join() on a closed backend says how to get a new one, as before', async () => {
    const backend = createStaticMembership({ members: [{ id: 'a' }] });
    await backend.close();
    const error = await backend.join(joinRequest({ id: 'a' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LifecycleError);
    expect((error as Error).message).toContain(
      'join() on a closed static membership; create a new one with createStaticMembership().',
    );
  });
});
