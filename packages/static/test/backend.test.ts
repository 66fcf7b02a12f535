import { ConfigurationError, createElector, LifecycleError } from '@election/core';
import { describe, expect, it } from 'vitest';
import { createStaticMembership } from '../src/index.js';
import { joinRequest } from './helpers.js';

describe('the static backend as a whole', () => {
  it('says where it is for messages: how many members the list has', () => {
    expect(createStaticMembership({ members: [{ id: 'a' }] }).endpoint).toBe('1 static member');
    const three = createStaticMembership({
      members: [{ id: 'a' }, { id: 'b', url: 'http://127.0.0.1:9' }, { id: 'c', url: 'http://127.0.0.1:9' }],
    });
    expect(three.endpoint).toBe('3 static members');
    // Nothing of its own to hold open, so nothing to retain.
    expect(three.retain).toBeUndefined();
  });

  it('refuses joins once closed, for good', async () => {
    const backend = createStaticMembership({ members: [{ id: 'a' }] });
    const session = await backend.join(joinRequest({ id: 'a' }));
    await backend.close();
    await backend.close(); // idempotent
    await expect(backend.join(joinRequest({ id: 'a' }))).rejects.toBeInstanceOf(LifecycleError);
    session.close(); // already closed by the backend: a no-op
  });

  it('makes start() reject at once, without retrying, for an id that is not in the list (as the README says)', async () => {
    const membership = createStaticMembership({
      members: [{ id: 'a' }, { id: 'b', url: 'http://127.0.0.1:9' }],
    });
    const elector = createElector({ id: 'z', membership });
    const errors: unknown[] = [];
    elector.on('error', ({ error }) => errors.push(error));
    await expect(elector.start()).rejects.toBeInstanceOf(ConfigurationError);
    expect(elector.state.phase).toBe('stopped');
    expect(errors).toEqual([]);
  });

  it('runs with no ttlMs at all (the backend default) and ignores one that is given', async () => {
    for (const ttlMs of [undefined, 1, 123_456]) {
      const membership = createStaticMembership({ members: [{ id: 'a' }] });
      const elector = createElector({ id: 'a', membership, ...(ttlMs === undefined ? {} : { ttlMs }) });
      await elector.start();
      expect(elector.state).toMatchObject({ isLeader: true, leaderId: 'a' });
      await elector.stop();
    }
  });
});
