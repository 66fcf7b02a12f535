import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ClusterView, createElectionHandler } from '@election/http';
import { createManualClock, waitFor } from '@election/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, cluster, get, listen, onCleanup } from './support.js';

afterEach(cleanup);

describe('/leader and /follower', () => {
  it('answer 200 on the leader (with the term) and on a follower respectively, 503 elsewhere', async () => {
    const clock = createManualClock(1_000_000);
    const { node } = cluster({ clock });
    const a = node('node-a');
    const b = node('node-b');
    const handlers = [a, b].map((elector) => createElectionHandler(elector, { clock }));
    for (const handler of handlers) onCleanup(() => handler.close());
    const [urlA, urlB] = await Promise.all(
      handlers.map((handler) => listen((req, res) => handler(req, res))),
    );
    // Not joined yet: neither leader nor follower.
    expect((await get(`${urlA}/leader`)).status).toBe(503);
    expect((await get(`${urlA}/follower`)).status).toBe(503);
    const started = Promise.all([a.start(), b.start()]);
    await waitFor(() => a.state.isLeader && b.state.leaderId === 'node-a', {
      clock,
      timeoutMs: 5000,
      message: 'node-a to lead',
    });
    await started;

    const leader = await get(`${urlA}/leader`);
    expect(leader.status).toBe(200);
    expect(JSON.parse(leader.body)).toEqual({
      id: 'node-a',
      isLeader: true,
      leaderId: 'node-a',
      term: a.state.term?.toString(),
      phase: 'leader',
    });
    expect((await get(`${urlA}/follower`)).status).toBe(503);
    const notLeader = await get(`${urlB}/leader`);
    expect(notLeader.status).toBe(503);
    expect(JSON.parse(notLeader.body)).toMatchObject({ id: 'node-b', isLeader: false, leaderId: 'node-a' });
    expect((await get(`${urlB}/follower`)).status).toBe(200);
    expect((await get(`${urlA}/leader`, { method: 'HEAD' })).status).toBe(200);
  });
});

describe('/cluster', () => {
  it('lists every member with its own status, says why one has none (no URL, unreachable, too slow), and keeps a gone one', async () => {
    // A member whose status endpoint accepts the connection and never answers.
    const silent = http.createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    onCleanup(
      () =>
        new Promise<void>((resolve) => {
          silent.closeAllConnections();
          silent.close(() => resolve());
        }),
    );
    const silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/status`;
    // A port nobody listens on (a server opened and closed again).
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/status`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    const { node } = cluster();
    const a = node('node-a');
    const b = node('node-b', { meta: { statusUrl: 'placeholder' } });
    const c = node('node-c', { meta: { statusUrl: silentUrl } });
    const d = node('node-d', { meta: { statusUrl: closedUrl } });
    const e = node('node-e', { observer: true });
    const handlerA = createElectionHandler(a, { clusterTimeoutMs: 300 });
    onCleanup(() => handlerA.close());
    const urlA = await listen((req, res) => handlerA(req, res));
    await Promise.all([a, b, c, d, e].map((elector) => elector.start()));
    await waitFor(() => a.state.members.length === 5, { timeoutMs: 5000, message: 'a to see all five' });

    const startedAt = performance.now();
    const view = JSON.parse((await get(`${urlA}/cluster`)).body) as ClusterView;
    const tookMs = performance.now() - startedAt;
    expect(view.self).toBe('node-a');
    const byId = Object.fromEntries(view.members.map((member) => [member.id, member]));
    expect(byId['node-a']).toMatchObject({
      present: true,
      error: null,
      status: { id: 'node-a', isLeader: true },
    });
    expect(byId['node-b']).toMatchObject({
      present: true,
      status: null,
      error: 'its status URL is not a URL',
    });
    expect(byId['node-c']).toMatchObject({ present: true, status: null, error: 'no answer within 300 ms' });
    expect(byId['node-d']).toMatchObject({
      present: true,
      status: null,
      error: 'unreachable (ECONNREFUSED)',
    });
    expect(byId['node-e']).toMatchObject({ observer: true, status: null, error: 'publishes no status URL' });
    // In parallel, each within the timeout: not 300 ms per slow member.
    expect(tookMs).toBeLessThan(1500);

    await d.stop();
    await waitFor(() => a.state.members.length === 4, { timeoutMs: 5000, message: 'node-d to leave' });
    const after = JSON.parse((await get(`${urlA}/cluster`)).body) as ClusterView;
    const gone = after.members.find((member) => member.id === 'node-d');
    expect(gone).toMatchObject({ present: false, status: null });
    expect(Math.abs((gone?.goneSince ?? 0) - Date.now())).toBeLessThan(5000);
    expect(after.members.at(-1)?.id).toBe('node-d'); // gone members come last
  });
});
