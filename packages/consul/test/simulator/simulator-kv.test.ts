import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ConsulSimulator, startConsulSimulator } from '../support/consul-simulator.js';
import { call, createSession, type KvJson, readKey } from '../support/simulator-fetch.js';

describe('Consul simulator: KV', () => {
  let sim: ConsulSimulator;
  beforeEach(async () => {
    sim = await startConsulSimulator();
  });
  afterEach(async () => {
    await sim.close();
  });

  const put = async (path: string, body = '') => (await call(sim, 'PUT', `/v1/kv/${path}`, { body })).text;

  it('stores values as base64 with flags and create/modify indexes from one global index', async () => {
    expect(await put('app/one?flags=42', 'hello')).toBe('true');
    const session = await createSession(sim, {});
    await put('app/two', 'world');
    const one = await readKey(sim, 'app/one');
    const two = await readKey(sim, 'app/two');
    expect(one).toMatchObject({
      Key: 'app/one',
      Value: Buffer.from('hello').toString('base64'),
      Flags: 42,
      LockIndex: 0,
    });
    expect(one?.Session).toBeUndefined();
    // The session create took an index in between: the index is shared by every write.
    expect(sim.state.session(session)?.createIndex).toBeGreaterThan(one?.ModifyIndex ?? 0);
    expect(two?.CreateIndex).toBeGreaterThan(sim.state.session(session)?.createIndex ?? 0);
    await put('app/one', 'again');
    const updated = await readKey(sim, 'app/one');
    expect(updated?.CreateIndex).toBe(one?.CreateIndex);
    expect(updated?.ModifyIndex).toBeGreaterThan(two?.ModifyIndex ?? 0);
    expect(updated?.Flags).toBe(0);
  });

  it('answers a missing key with 404, an empty body and X-Consul-Index', async () => {
    await put('other', 'x');
    const answer = await call(sim, 'GET', '/v1/kv/missing');
    expect(answer.status).toBe(404);
    expect(answer.text).toBe('');
    expect(answer.index).toBeGreaterThan(0);
  });

  it('lists a prefix with ?recurse (byte order), keys with ?keys&separator, and ?raw values', async () => {
    await put('p/b', '2');
    await put('p/a', '1');
    await put('p/dir/x', '3');
    await put('q/z', '4');
    const list = (await call(sim, 'GET', '/v1/kv/p/?recurse')).json<KvJson[]>();
    expect(list.map((e) => e.Key)).toEqual(['p/a', 'p/b', 'p/dir/x']);
    const keys = (await call(sim, 'GET', '/v1/kv/p/?keys&separator=/')).json<string[]>();
    expect(keys).toEqual(['p/a', 'p/b', 'p/dir/']);
    expect((await call(sim, 'GET', '/v1/kv/p/a?raw')).text).toBe('1');
    // The npm client sends "/" in keys as %2F; Consul (Go) decodes the path first.
    expect((await call(sim, 'GET', '/v1/kv/p%2Fb?raw')).text).toBe('2');
  });

  it('cas: 0 creates only when absent; otherwise only at the current ModifyIndex', async () => {
    expect(await put('c?cas=0', 'first')).toBe('true');
    expect(await put('c?cas=0', 'second')).toBe('false');
    const index = (await readKey(sim, 'c'))?.ModifyIndex ?? 0;
    expect(await put(`c?cas=${index + 100}`, 'stale')).toBe('false');
    expect(await put(`c?cas=${index}`, 'third')).toBe('true');
    expect((await call(sim, 'GET', '/v1/kv/c?raw')).text).toBe('third');
  });

  it('acquire/release follow Consul: LockIndex, re-acquire by the holder, refusals, plain writes keep the lock', async () => {
    const a = await createSession(sim, {});
    const b = await createSession(sim, {});
    expect(await put(`l?acquire=${a}`, 'a1')).toBe('true');
    expect(await readKey(sim, 'l')).toMatchObject({ LockIndex: 1, Session: a });
    expect(await put(`l?acquire=${a}`, 'a2')).toBe('true');
    expect((await readKey(sim, 'l'))?.LockIndex).toBe(1);
    expect(await put(`l?acquire=${b}`, 'b')).toBe('false');
    expect(await put(`l?release=${b}`, 'b')).toBe('false');
    expect(await put('l', 'plain')).toBe('true');
    expect(await readKey(sim, 'l')).toMatchObject({ Session: a, LockIndex: 1 });
    expect(await put(`l?release=${a}`, 'free')).toBe('true');
    expect((await readKey(sim, 'l'))?.Session).toBeUndefined();
    expect(await put(`l?acquire=${b}`, 'b')).toBe('true');
    expect(await readKey(sim, 'l')).toMatchObject({ LockIndex: 2, Session: b });
  });

  it('refuses to acquire with a session Consul does not know (HTTP 500 "invalid session")', async () => {
    const answer = await call(sim, 'PUT', '/v1/kv/l?acquire=00000000-0000-0000-0000-000000000000', {
      body: '',
    });
    expect(answer.status).toBe(500);
    expect(answer.text).toBe('invalid session "00000000-0000-0000-0000-000000000000"');
  });

  it('deletes one key, a prefix with ?recurse, and only at the ModifyIndex with ?cas (never with cas=0)', async () => {
    await put('d/a', '1');
    await put('d/b', '2');
    await put('d/c', '3');
    expect((await call(sim, 'DELETE', '/v1/kv/d/a')).text).toBe('true');
    expect(await readKey(sim, 'd/a')).toBeUndefined();
    const b = await readKey(sim, 'd/b');
    expect((await call(sim, 'DELETE', '/v1/kv/d/b?cas=0')).text).toBe('false');
    expect((await call(sim, 'DELETE', `/v1/kv/d/b?cas=${(b?.ModifyIndex ?? 0) + 1}`)).text).toBe('false');
    expect((await call(sim, 'DELETE', `/v1/kv/d/b?cas=${b?.ModifyIndex}`)).text).toBe('true');
    // Already gone: Consul's kvsDeleteCASTxn answers true (nothing left to delete).
    expect((await call(sim, 'DELETE', `/v1/kv/d/b?cas=${b?.ModifyIndex}`)).text).toBe('true');
    await put('d/c/deeper', '4');
    expect((await call(sim, 'DELETE', '/v1/kv/d/?recurse')).text).toBe('true');
    expect((await call(sim, 'GET', '/v1/kv/d/?recurse')).status).toBe(404);
  });

  it("keeps a deleted key's tombstone in the prefix index until tombstones are reaped", async () => {
    await put('t/a', '1');
    await put('t/b', '2');
    await call(sim, 'DELETE', '/v1/kv/t/b');
    const afterDelete = (await call(sim, 'GET', '/v1/kv/t/?recurse')).index;
    const a = await readKey(sim, 't/a');
    expect(afterDelete).toBeGreaterThan(a?.ModifyIndex ?? 0);
    sim.state.kv.reapTombstones();
    const reaped = (await call(sim, 'GET', '/v1/kv/t/?recurse')).index;
    expect(reaped).toBe(a?.ModifyIndex);
    expect(reaped).toBeLessThan(afterDelete);
  });
});
