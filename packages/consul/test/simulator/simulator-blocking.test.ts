import { createManualClock, waitFor } from '@election/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { type ConsulSimulator, startConsulSimulator } from '../support/consul-simulator.js';
import { call } from '../support/simulator-fetch.js';

describe('Consul simulator: blocking queries', () => {
  let sim: ConsulSimulator | undefined;
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  it('answers at once with index 0, and with an index the data is already past', async () => {
    sim = await startConsulSimulator({ clock: createManualClock() });
    await call(sim, 'PUT', '/v1/kv/k/a', { body: '1' });
    const first = await call(sim, 'GET', '/v1/kv/k/?recurse&index=0&wait=10m');
    expect(first.status).toBe(200);
    const stale = await call(sim, 'GET', `/v1/kv/k/?recurse&index=${first.index - 1}&wait=10m`);
    expect(stale.index).toBe(first.index);
  });

  it('holds the request until the prefix changes, then answers with the new index', async () => {
    sim = await startConsulSimulator({ clock: createManualClock() });
    await call(sim, 'PUT', '/v1/kv/k/a', { body: '1' });
    const { index } = await call(sim, 'GET', '/v1/kv/k/?recurse');
    let answered = false;
    const pending = call(sim, 'GET', `/v1/kv/k/?recurse&index=${index}&wait=5m`).finally(() => {
      answered = true;
    });
    // A write elsewhere does not move this prefix's index: the query keeps waiting.
    await call(sim, 'PUT', '/v1/kv/elsewhere', { body: 'x' });
    await call(sim, 'GET', '/v1/kv/k/a');
    expect(answered).toBe(false);
    await call(sim, 'PUT', '/v1/kv/k/b', { body: '2' });
    const answer = await pending;
    expect(answer.index).toBeGreaterThan(index);
    expect(answer.json<Array<{ Key: string }>>().map((e) => e.Key)).toEqual(['k/a', 'k/b']);
  });

  it('answers with the unchanged index when the wait (plus at most wait/16 of jitter) runs out', async () => {
    const clock = createManualClock();
    sim = await startConsulSimulator({ clock, random: () => 0.999 });
    await call(sim, 'PUT', '/v1/kv/k/a', { body: '1' });
    const { index } = await call(sim, 'GET', '/v1/kv/k/?recurse');
    let answered = false;
    const pending = call(sim, 'GET', `/v1/kv/k/?recurse&index=${index}&wait=16s`).finally(() => {
      answered = true;
    });
    await waitForParkedQuery(sim);
    await clock.advance(16_000);
    await clock.flush();
    expect(answered).toBe(false);
    await clock.advance(1_000);
    const answer = await pending;
    expect(answer.index).toBe(index);
  });

  it('caps wait at 10 minutes and rejects a malformed wait or index', async () => {
    const clock = createManualClock();
    sim = await startConsulSimulator({ clock, random: () => 0 });
    await call(sim, 'PUT', '/v1/kv/k', { body: '1' });
    const { index } = await call(sim, 'GET', '/v1/kv/k');
    const pending = call(sim, 'GET', `/v1/kv/k?index=${index}&wait=1h`);
    await waitForParkedQuery(sim);
    await clock.advance(600_000);
    expect((await pending).index).toBe(index);
    expect((await call(sim, 'GET', '/v1/kv/k?index=x')).status).toBe(400);
    expect((await call(sim, 'GET', `/v1/kv/k?index=${index}&wait=soon`)).status).toBe(400);
  });

  it('session info blocks on the session table index', async () => {
    sim = await startConsulSimulator({ clock: createManualClock() });
    const created = await call(sim, 'PUT', '/v1/session/create', { body: '{}' });
    const id = created.json<{ ID: string }>().ID;
    const { index } = await call(sim, 'GET', `/v1/session/info/${id}`);
    const pending = call(sim, 'GET', `/v1/session/info/${id}?index=${index}`);
    await call(sim, 'PUT', `/v1/session/destroy/${id}`);
    const answer = await pending;
    expect(answer.index).toBeGreaterThan(index);
    expect(answer.json<unknown[]>()).toEqual([]);
  });
});

/** A blocking query is parked in the simulator, so moving time now reaches its wait timer. */
async function waitForParkedQuery(sim: ConsulSimulator): Promise<void> {
  await waitFor(() => sim.state.waitingQueries() > 0, {
    timeoutMs: 2000,
    message: 'a blocking query to be parked',
  });
}
