import { waitFor } from '@election/testing';
import Consul from 'consul';
import { afterEach, describe, expect, it } from 'vitest';
import { createConsulMembership } from '../../src/index.js';
import { type AdapterFixture, createAdapterFixture } from '../support/adapter-fixture.js';
import { joinRequest } from '../support/join-request.js';

describe('the backend: endpoint and retain() (against the Consul simulator)', () => {
  let fx: AdapterFixture;
  afterEach(async () => {
    await fx.cleanup();
  });

  it('endpoint is the agent URL, never the token', async () => {
    fx = await createAdapterFixture();
    expect(fx.backend({ token: 'tok-secret' }).endpoint).toBe(`http://127.0.0.1:${fx.sim.port}`);
    expect(createConsulMembership({ host: '::1', port: 8501, secure: true }).endpoint).toBe(
      'https://[::1]:8501',
    );
    expect(createConsulMembership().endpoint).toBe('http://127.0.0.1:8500');
    const client = new Consul({ host: 'consul.internal', port: 8600 });
    expect(createConsulMembership({ client }).endpoint).toBe('http://consul.internal:8600');
    client.destroy();
  });

  it('when the last use ends, the client it opened is closed (no socket, no query left), and the next use opens it again', async () => {
    fx = await createAdapterFixture();
    const backend = fx.backend();
    const endUse = backend.retain?.();
    expect(endUse).toBeDefined();
    const session = await fx.join(backend, joinRequest('node-a'));
    await waitFor(() => fx.sim.state.waitingQueries() === 1, {
      timeoutMs: 2_000,
      message: 'the watch to block',
    });
    expect(await fx.sim.connections()).toBeGreaterThan(0);
    await session.leave();
    // A leave ends the watch, but the keep-alive sockets of the client stay open until the use ends.
    endUse?.();
    endUse?.(); // idempotent: it cannot end another use
    await waitFor(async () => (await fx.sim.connections()) === 0, {
      timeoutMs: 2_000,
      message: 'every connection of the adapter to close',
    });
    expect(fx.sim.state.waitingQueries()).toBe(0);
    const again = backend.retain?.();
    await fx.join(backend, joinRequest('node-a'));
    expect(fx.sim.state.kv.get(fx.memberKey('node-a'))?.session).toBeDefined();
    again?.();
  });

  it('a join in flight when the last use ends is not cancelled: it completes, and its session keeps the client until it leaves', async () => {
    fx = await createAdapterFixture();
    const backend = fx.backend();
    const endUse = backend.retain?.();
    const joining = backend.join(joinRequest('node-a'));
    endUse?.(); // the elector is done, but the join it started is still out
    const session = await joining;
    expect(fx.sim.state.kv.get(fx.memberKey('node-a'))?.session).toBeDefined();
    await waitFor(() => fx.sim.state.waitingQueries() === 1, {
      timeoutMs: 2_000,
      message: 'the watch of the late session to block',
    });
    await session.leave();
    expect(fx.sim.state.kv.get(fx.memberKey('node-a'))).toBeUndefined();
    await waitFor(async () => (await fx.sim.connections()) === 0, {
      timeoutMs: 2_000,
      message: 'every connection to close once the late session left',
    });
  });

  it('stays open while another use (a second elector) still runs', async () => {
    fx = await createAdapterFixture();
    const backend = fx.backend();
    const first = backend.retain?.();
    const second = backend.retain?.();
    const session = await fx.join(backend, joinRequest('node-a'));
    const errors: Error[] = [];
    session.onError((error) => errors.push(error));
    await waitFor(() => fx.sim.state.waitingQueries() === 1, {
      timeoutMs: 2_000,
      message: 'the watch to block',
    });
    first?.();
    // Still in use: nothing was cancelled (the watch would report it), and requests keep working.
    await expect(session.lock.tryAcquire()).resolves.not.toBeNull();
    await waitFor(() => fx.sim.state.waitingQueries() === 1, {
      timeoutMs: 2_000,
      message: 'the watch to block again',
    });
    expect(errors).toEqual([]);
    await session.leave();
    second?.();
    await waitFor(async () => (await fx.sim.connections()) === 0, {
      timeoutMs: 2_000,
      message: 'every connection to close once the second use ended',
    });
  });

  it("never closes a caller's client, only cancels its own requests on it", async () => {
    fx = await createAdapterFixture();
    const client = new Consul({ host: fx.sim.host, port: fx.sim.port });
    let destroyed = 0;
    const destroy = client.destroy.bind(client);
    client.destroy = () => {
      destroyed += 1;
      destroy();
    };
    try {
      const backend = createConsulMembership({ client, election: fx.election });
      const endUse = backend.retain?.();
      const session = await backend.join(joinRequest('node-a'));
      await session.leave();
      endUse?.();
      await backend.close();
      expect(destroyed).toBe(0);
      await expect(client.kv.get('anything')).resolves.toBeUndefined();
    } finally {
      destroy();
    }
  });
});
