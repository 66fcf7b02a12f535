import { createManualClock } from '@election/testing';
import Consul from 'consul';
import { afterEach, describe, expect, it } from 'vitest';
import { type ConsulSimulator, startConsulSimulator } from '../support/consul-simulator.js';
import { call, createSession } from '../support/simulator-fetch.js';

describe('Consul simulator: server, ACL, datacenter, restart', () => {
  let sim: ConsulSimulator | undefined;
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  it('with an ACL token configured, answers 403 "Permission denied" unless the request carries it', async () => {
    sim = await startConsulSimulator({ aclToken: 'secret-token' });
    const missing = await call(sim, 'GET', '/v1/kv/x');
    expect([missing.status, missing.text]).toEqual([403, 'Permission denied']);
    const wrong = await call(sim, 'GET', '/v1/kv/x', { headers: { 'X-Consul-Token': 'nope' } });
    expect(wrong.status).toBe(403);
    expect(
      (await call(sim, 'GET', '/v1/kv/x', { headers: { 'X-Consul-Token': 'secret-token' } })).status,
    ).toBe(404);
    expect(
      (await call(sim, 'GET', '/v1/kv/x', { headers: { Authorization: 'Bearer secret-token' } })).status,
    ).toBe(404);
    expect((await call(sim, 'GET', '/v1/kv/x?token=secret-token')).status).toBe(404);
  });

  it('answers another datacenter with "No path to datacenter", and unknown routes with 404/405', async () => {
    sim = await startConsulSimulator({ datacenter: 'east' });
    expect((await call(sim, 'GET', '/v1/kv/x?dc=east')).status).toBe(404);
    const other = await call(sim, 'GET', '/v1/kv/x?dc=west');
    expect([other.status, other.text]).toEqual([500, 'No path to datacenter']);
    expect((await call(sim, 'GET', '/v1/nothing')).status).toBe(404);
    expect((await call(sim, 'POST', '/v1/kv/x')).status).toBe(405);
    expect((await call(sim, 'GET', '/v1/session/create')).status).toBe(405);
  });

  it('stop() refuses connections, start() listens on the same port with every key, session and index kept', async () => {
    sim = await startConsulSimulator();
    const session = await createSession(sim, { TTL: '30s' });
    await call(sim, 'PUT', `/v1/kv/kept?acquire=${session}`, { body: 'v' });
    const before = await call(sim, 'GET', '/v1/kv/kept');
    await sim.stop();
    expect(sim.running).toBe(false);
    await expect(call(sim, 'GET', '/v1/kv/kept')).rejects.toThrow();
    await sim.start();
    const after = await call(sim, 'GET', '/v1/kv/kept');
    expect(after.text).toBe(before.text);
    expect(after.index).toBe(before.index);
    expect((await call(sim, 'PUT', `/v1/session/renew/${session}`)).status).toBe(200);
  });

  it('pauses session timers while stopped and re-arms them with a full TTL on start, as a new leader does', async () => {
    const clock = createManualClock();
    sim = await startConsulSimulator({ clock });
    const session = await createSession(sim, { TTL: '10s' });
    await clock.advance(15_000);
    await sim.stop();
    await clock.advance(60_000);
    await sim.start();
    expect(sim.state.session(session)).toBeDefined();
    await clock.advance(19_999);
    expect(sim.state.session(session)).toBeDefined();
    await clock.advance(1);
    expect(sim.state.session(session)).toBeUndefined();
  });

  it('disconnect() refuses connections while session timers run on: renewed in time survives, unrenewed expires', async () => {
    const clock = createManualClock();
    sim = await startConsulSimulator({ clock });
    const kept = await createSession(sim, { TTL: '10s' });
    const dropped = await createSession(sim, { TTL: '10s' });
    await sim.disconnect();
    expect(sim.running).toBe(false);
    await expect(call(sim, 'GET', `/v1/session/info/${kept}`)).rejects.toThrow();
    await clock.advance(15_000);
    await sim.reconnect();
    expect((await call(sim, 'PUT', `/v1/session/renew/${kept}`)).status).toBe(200);
    await sim.disconnect();
    // Invalidated 2×TTL after its creation, while the agent was unreachable; the renewed one lives on.
    await clock.advance(5_000);
    expect(sim.state.session(dropped)).toBeUndefined();
    expect(sim.state.session(kept)).toBeDefined();
    await sim.reconnect();
    expect((await call(sim, 'PUT', `/v1/session/renew/${kept}`)).status).toBe(200);
    expect((await call(sim, 'PUT', `/v1/session/renew/${dropped}`)).status).toBe(404);
  });

  it('a snapshot restore moves the index backwards, as Consul documents', async () => {
    sim = await startConsulSimulator();
    await call(sim, 'PUT', '/v1/kv/r/a', { body: '1' });
    const snapshot = sim.state.snapshot();
    const early = (await call(sim, 'GET', '/v1/kv/r/?recurse')).index;
    await call(sim, 'PUT', '/v1/kv/r/b', { body: '2' });
    const late = (await call(sim, 'GET', '/v1/kv/r/?recurse')).index;
    sim.state.restore(snapshot);
    const restored = await call(sim, 'GET', '/v1/kv/r/?recurse');
    expect(late).toBeGreaterThan(early);
    expect(restored.index).toBe(early);
    expect(restored.json<unknown[]>()).toHaveLength(1);
  });

  it('serves the npm "consul" client (sessions, acquire, recurse, X-Consul-Index via includeResponse)', async () => {
    sim = await startConsulSimulator({ aclToken: 't0k3n' });
    const client = new Consul({ host: sim.host, port: sim.port, defaults: { token: 't0k3n' } });
    try {
      const { ID } = await client.session.create({ ttl: '10s', behavior: 'delete' });
      expect(await client.kv.set({ key: 'npm/a', value: 'v', acquire: ID })).toBe(true);
      const item = await client.kv.get('npm/a');
      expect(item).toMatchObject({ Key: 'npm/a', Value: 'v', LockIndex: 1 });
      await expect(client.session.renew(ID)).resolves.toHaveLength(1);
      await client.session.destroy(ID);
      expect(await client.kv.get('npm/a')).toBeUndefined();
    } finally {
      client.destroy();
    }
  });
});
