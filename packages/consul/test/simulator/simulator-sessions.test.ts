import { createManualClock, waitFor } from '@election/testing';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ConsulSimulator,
  type ConsulSimulatorOptions,
  startConsulSimulator,
} from '../support/consul-simulator.js';
import { call, createSession, readKey } from '../support/simulator-fetch.js';

describe('Consul simulator: sessions', () => {
  let sim: ConsulSimulator | undefined;
  const clock = createManualClock(1_000_000);
  async function start(options: ConsulSimulatorOptions = {}): Promise<ConsulSimulator> {
    sim = await startConsulSimulator({ clock, ...options });
    return sim;
  }
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  it('creates a session with Consul defaults (agent node, serfHealth, 15 s lock-delay, release)', async () => {
    const s = await start();
    const id = await createSession(s, {});
    const info = await call(s, 'GET', `/v1/session/info/${id}`);
    expect(info.status).toBe(200);
    const [session] = info.json<Array<Record<string, unknown>>>();
    expect(session).toMatchObject({
      ID: id,
      Node: 'simulator',
      LockDelay: 15_000_000_000,
      Behavior: 'release',
      TTL: '',
      NodeChecks: ['serfHealth'],
    });
    expect(info.index).toBe(session?.CreateIndex);
  });

  it.each([
    ['5s', "Invalid Session TTL '5000000000', must be between [10s=24h0m0s]"],
    ['86401s', "Invalid Session TTL '86401000000000', must be between [10s=24h0m0s]"],
  ])("rejects TTL %s with HTTP 500 and Consul's error text", async (ttl, text) => {
    const s = await start();
    const answer = await call(s, 'PUT', '/v1/session/create', { body: JSON.stringify({ TTL: ttl }) });
    expect(answer.status).toBe(500);
    expect(answer.text).toBe(text);
  });

  it('accepts the ends of the TTL range, and rejects an unknown behavior', async () => {
    const s = await start();
    await expect(createSession(s, { TTL: '10s' })).resolves.toMatch(/^[0-9a-f-]{36}$/);
    await expect(createSession(s, { TTL: '24h' })).resolves.toMatch(/^[0-9a-f-]{36}$/);
    const answer = await call(s, 'PUT', '/v1/session/create', {
      body: JSON.stringify({ Behavior: 'explode' }),
    });
    expect([answer.status, answer.text]).toEqual([500, "Invalid Behavior setting 'explode'"]);
  });

  it('invalidates a TTL session at 2×TTL after the last renewal by default', async () => {
    const s = await start();
    const id = await createSession(s, { TTL: '10s' });
    await clock.advance(15_000);
    expect((await call(s, 'PUT', `/v1/session/renew/${id}`)).status).toBe(200);
    await clock.advance(19_999);
    expect(s.state.session(id)).toBeDefined();
    await clock.advance(1);
    expect(s.state.session(id)).toBeUndefined();
    const renew = await call(s, 'PUT', `/v1/session/renew/${id}`);
    expect([renew.status, renew.text]).toEqual([404, `Session id '${id}' not found`]);
  });

  it('invalidates at exactly TTL with sessionExpiry "ttl", and within [TTL, 2×TTL] with "random"', async () => {
    const s = await start({ sessionExpiry: 'ttl' });
    const id = await createSession(s, { TTL: '10s' });
    await clock.advance(9_999);
    expect(s.state.session(id)).toBeDefined();
    await clock.advance(1);
    expect(s.state.session(id)).toBeUndefined();
    await s.close();
    const r = await start({ sessionExpiry: 'random', random: () => 0.25 });
    const other = await createSession(r, { TTL: '20s' });
    await clock.advance(24_999);
    expect(r.state.session(other)).toBeDefined();
    await clock.advance(1);
    expect(r.state.session(other)).toBeUndefined();
  });

  it('behavior delete removes held keys on invalidation; release unlocks them and keeps them', async () => {
    const s = await start();
    const deleting = await createSession(s, { Behavior: 'delete', LockDelay: '0s' });
    const releasing = await createSession(s, { Behavior: 'release', LockDelay: '0s' });
    await call(s, 'PUT', `/v1/kv/a/deleted?acquire=${deleting}`, { body: 'x' });
    await call(s, 'PUT', `/v1/kv/a/released?acquire=${releasing}`, { body: 'y' });
    await call(s, 'PUT', `/v1/session/destroy/${deleting}`);
    await call(s, 'PUT', `/v1/session/destroy/${releasing}`);
    expect(await readKey(s, 'a/deleted')).toBeUndefined();
    const released = await readKey(s, 'a/released');
    expect(released?.Session).toBeUndefined();
    expect(released?.LockIndex).toBe(1);
    expect(Buffer.from(released?.Value ?? '', 'base64').toString()).toBe('y');
  });

  it("lock-delay refuses acquisitions of an invalidated session's keys until it runs out", async () => {
    const s = await start();
    const holder = await createSession(s, { LockDelay: '5s' });
    const next = await createSession(s, {});
    expect((await call(s, 'PUT', `/v1/kv/lock?acquire=${holder}`, { body: '' })).text).toBe('true');
    await call(s, 'PUT', `/v1/session/destroy/${holder}`);
    expect((await call(s, 'PUT', `/v1/kv/lock?acquire=${next}`, { body: '' })).text).toBe('false');
    await clock.advance(5_000);
    expect((await call(s, 'PUT', `/v1/kv/lock?acquire=${next}`, { body: '' })).text).toBe('true');
  });

  it('keeps a lock-delay above 60 s as sent, and arms at most 60 s when the session ends (MaxLockDelay in deleteSessionTxn)', async () => {
    const s = await start();
    const holder = await createSession(s, { LockDelay: '120s' });
    const next = await createSession(s, {});
    const [info] = (await call(s, 'GET', `/v1/session/info/${holder}`)).json<Array<{ LockDelay: number }>>();
    expect(info?.LockDelay).toBe(120_000_000_000);
    expect((await call(s, 'PUT', `/v1/kv/lock?acquire=${holder}`, { body: '' })).text).toBe('true');
    await call(s, 'PUT', `/v1/session/destroy/${holder}`);
    await clock.advance(59_999);
    expect((await call(s, 'PUT', `/v1/kv/lock?acquire=${next}`, { body: '' })).text).toBe('false');
    await clock.advance(1);
    expect((await call(s, 'PUT', `/v1/kv/lock?acquire=${next}`, { body: '' })).text).toBe('true');
  });

  it('an explicit release does not arm lock-delay', async () => {
    const s = await start();
    const holder = await createSession(s, { LockDelay: '15s' });
    const next = await createSession(s, {});
    await call(s, 'PUT', `/v1/kv/lock?acquire=${holder}`, { body: '' });
    expect((await call(s, 'PUT', `/v1/kv/lock?release=${holder}`, { body: '' })).text).toBe('true');
    expect((await call(s, 'PUT', `/v1/kv/lock?acquire=${next}`, { body: '' })).text).toBe('true');
  });

  it('a deleted key is not subject to lock-delay, and a session destroyed after its keys are gone arms none', async () => {
    // agent/consul/kvs_endpoint.go (kvsPreApply) checks lock-delay for lock acquisitions only, and
    // agent/consul/state/session.go (deleteSessionTxn) arms it only on keys the session still holds.
    const s = await start();
    const holder = await createSession(s, { LockDelay: '15s', Behavior: 'delete' });
    const next = await createSession(s, {});
    await call(s, 'PUT', `/v1/kv/member?acquire=${holder}`, { body: '' });
    const held = await readKey(s, 'member');
    expect((await call(s, 'DELETE', `/v1/kv/member?cas=${held?.ModifyIndex}`)).text).toBe('true');
    await call(s, 'PUT', `/v1/session/destroy/${holder}`);
    expect((await call(s, 'PUT', `/v1/kv/member?acquire=${next}`, { body: '' })).text).toBe('true');
  });

  it('session info blocks on the sessions index: a renewal does not wake it (no raft write), an invalidation does', async () => {
    // agent/consul/session_endpoint.go: Session.Get is a blocking query on the sessions table;
    // Session.Renew only resets the leader's timer. An unknown session answers [] (SessionGet).
    const s = await start();
    const id = await createSession(s, { TTL: '10s' });
    const first = await call(s, 'GET', `/v1/session/info/${id}`);
    const blocked = call(s, 'GET', `/v1/session/info/${id}?index=${first.index}&wait=30s`);
    await waitFor(() => s.state.waitingQueries() === 1, { timeoutMs: 1_000, message: 'the query to block' });
    expect((await call(s, 'PUT', `/v1/session/renew/${id}`)).status).toBe(200);
    // Still parked once the renewal has been answered: nothing it reads has moved.
    expect(s.state.waitingQueries()).toBe(1);
    await call(s, 'PUT', `/v1/session/destroy/${id}`);
    const after = await blocked;
    expect(after.json<unknown[]>()).toEqual([]);
    expect(after.index).toBeGreaterThan(first.index);
  });

  it('lists sessions, by node too, and destroying an unknown session still answers true', async () => {
    const s = await start();
    const a = await createSession(s, { Name: 'a' });
    const b = await createSession(s, { Name: 'b' });
    const list = await call(s, 'GET', '/v1/session/list');
    expect(list.json<Array<{ ID: string }>>().map((x) => x.ID)).toEqual([a, b]);
    const byNode = await call(s, 'GET', '/v1/session/node/simulator');
    expect(byNode.json<unknown[]>()).toHaveLength(2);
    expect((await call(s, 'GET', '/v1/session/info/nope')).json<unknown[]>()).toEqual([]);
    expect((await call(s, 'PUT', '/v1/session/destroy/nope')).text).toBe('true');
  });
});
