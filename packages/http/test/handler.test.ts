import { createHash } from 'node:crypto';
import { ConfigurationError } from '@election/core';
import { createElectionHandler, type ElectionStatus } from '@election/http';
import { collectElectorMetrics } from '@election/prometheus';
import { createManualClock, waitFor } from '@election/testing';
import express from 'express';
import Fastify from 'fastify';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, cluster, get, listen, onCleanup, subscribeEvents } from './support.js';

afterEach(cleanup);

/** A started single-node cluster on a manual clock; the node leads. */
async function leaderNode(id = 'node-a') {
  const clock = createManualClock(1_000_000);
  const { node, memory } = cluster({ clock });
  const elector = node(id);
  const started = elector.start();
  await waitFor(() => elector.state.isLeader, { clock, timeoutMs: 5000, message: `${id} to lead` });
  await started;
  return { clock, elector, node, memory };
}

describe('the handler in node:http, under a prefix', () => {
  it('serves /status with the reason, /healthz, /readyz and /metrics', async () => {
    const { clock, elector } = await leaderNode();
    const registry = new Registry();
    collectElectorMetrics(elector, { registry, clock });
    const handler = createElectionHandler(elector, { registry, clock, prefix: '/election' });
    onCleanup(() => handler.close());
    const url = await listen((req, res) => handler(req, res));

    const status = await get(`${url}/election/status`);
    expect(status.status).toBe(200);
    expect(status.type).toMatch(/^application\/json/);
    const body = JSON.parse(status.body) as ElectionStatus;
    expect(body).toMatchObject({
      id: 'node-a',
      leaderId: 'node-a',
      isLeader: true,
      term: elector.state.term?.toString(),
      members: ['node-a'],
      phase: 'leader',
      backend: 'memory',
      mode: 'confirmed',
      reason: { kind: 'leading', term: elector.state.term?.toString() },
      ranking: [{ id: 'node-a', priority: 0, observer: false, leader: true, self: true }],
    });
    expect(body.reasonText).toBe(`Leading, term ${elector.state.term}.`);
    expect(body.leaseRemainingMs).toBeGreaterThan(0);
    expect(body.leaseRemainingMs).toBeLessThanOrEqual(1000);

    expect(await get(`${url}/election/healthz`)).toMatchObject({ status: 200, body: 'ok\n' });
    expect(await get(`${url}/election/readyz`)).toMatchObject({ status: 200, body: 'ready\n' });
    const metrics = await get(`${url}/election/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(metrics.body).toMatch(/^election_is_leader\{election="default"\} 1$/m);
  });

  it('says not ready before the node joins, and when the app says so', async () => {
    const clock = createManualClock(1_000_000);
    const { node } = cluster({ clock });
    const elector = node('node-a');
    let appReady = false;
    const handler = createElectionHandler(elector, { clock, ready: () => appReady });
    onCleanup(() => handler.close());
    const url = await listen((req, res) => handler(req, res));
    expect(await get(`${url}/readyz`)).toMatchObject({
      status: 503,
      body: 'not ready: not joined (phase idle)\n',
    });
    expect(JSON.parse((await get(`${url}/status`)).body)).toMatchObject({
      phase: 'idle',
      reason: { kind: 'idle' },
      reasonText: 'Not started.',
    });
    const started = elector.start();
    await waitFor(() => elector.state.phase === 'leader', { clock, timeoutMs: 5000, message: 'to lead' });
    await started;
    expect((await get(`${url}/readyz`)).status).toBe(503);
    appReady = true;
    expect((await get(`${url}/readyz`)).status).toBe(200);
    await elector.stop();
    expect((await get(`${url}/readyz`)).status).toBe(503);
    expect(JSON.parse((await get(`${url}/status`)).body).reason).toEqual({ kind: 'stopped' });
  });

  it('passes what is not its own to next(), or answers 404 and 405 alone', async () => {
    const { clock, elector } = await leaderNode();
    const handler = createElectionHandler(elector, { clock, prefix: '/election/' });
    onCleanup(() => handler.close());
    const url = await listen((req, res) =>
      handler(req, res, () => res.writeHead(418, { 'content-type': 'text/plain' }).end('the app\n')),
    );
    expect((await get(`${url}/other`)).status).toBe(418);
    expect((await get(`${url}/election/nope`)).status).toBe(418);
    expect((await get(`${url}/electionx/status`)).status).toBe(418);

    const alone = await listen((req, res) => handler(req, res));
    const missing = await get(`${alone}/election/nope`);
    expect(missing.status).toBe(404);
    expect(missing.body).toMatch(/try .*\/election\/status/);
    expect((await get(`${alone}/other`)).status).toBe(404);
    const post = await get(`${alone}/election/status`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    const head = await get(`${alone}/election/status`, { method: 'HEAD' });
    expect(head).toMatchObject({ status: 200, body: '' });
    // Without a registry there are no metrics to serve.
    expect((await get(`${alone}/election/metrics`)).status).toBe(404);
  });

  it('serves the page at the prefix, with or without the trailing slash', async () => {
    const { clock, elector } = await leaderNode();
    const handler = createElectionHandler(elector, { clock, prefix: '/election' });
    onCleanup(() => handler.close());
    const url = await listen((req, res) => handler(req, res));
    // The page's links are relative to its own address (so a proxy in front may rewrite the path).
    for (const [path, href] of [
      ['/election', 'election/status'],
      ['/election/', 'status'],
    ]) {
      const page = await get(`${url}${path}`);
      expect(page.status).toBe(200);
      expect(page.type).toBe('text/html; charset=utf-8');
      expect(page.body).toContain(`<a href="${href}">`);
      expect(page.body).toContain('"publicPath":null');
    }
  });
});

describe('the handler in Express and Fastify', () => {
  it('mounts under app.use(prefix) in Express, leaving other routes to the app', async () => {
    const { clock, elector } = await leaderNode();
    const registry = new Registry();
    collectElectorMetrics(elector, { registry, clock });
    const handler = createElectionHandler(elector, { registry, clock, refreshMs: 20 });
    onCleanup(() => handler.close());
    const app = express();
    // Reads every request to its end first, as body-parsing middleware does.
    app.use((req, _res, next) => {
      req.on('end', () => next()).resume();
    });
    app.use('/ops/election', handler);
    app.get('/hello', (_req, res) => {
      res.send('hello');
    });
    const url = await listen(app);

    expect(JSON.parse((await get(`${url}/ops/election/status`)).body)).toMatchObject({ leaderId: 'node-a' });
    expect((await get(`${url}/ops/election/metrics`)).body).toMatch(
      /^election_is_leader\{election="default"\} 1$/m,
    );
    expect((await get(`${url}/ops/election/healthz`)).status).toBe(200);
    expect((await get(`${url}/hello`)).body).toBe('hello');
    // Unknown paths under the mount fall through to Express's own 404.
    const missing = await get(`${url}/ops/election/nope`);
    expect(missing.status).toBe(404);
    expect(missing.body).toMatch(/Cannot GET/);
    expect((await get(`${url}/ops/election`)).body).toContain('<a href="election/status">');
    const events = await subscribeEvents(`${url}/ops/election/events`);
    expect(events.type).toBe('text/event-stream; charset=utf-8');
    // The stream outlives the request's own end: status events keep coming.
    await waitFor(() => events.events.filter((e) => e.event === 'status').length >= 3, {
      timeoutMs: 5000,
      message: 'the snapshot and repeated status events over Express',
    });
    expect(events.events[0]?.event).toBe('snapshot');
  });

  it('mounts under a prefix in Fastify (reply.hijack)', async () => {
    const { clock, elector } = await leaderNode();
    const handler = createElectionHandler(elector, { clock, prefix: '/election' });
    onCleanup(() => handler.close());
    const app = Fastify();
    const election = (
      request: { raw: import('node:http').IncomingMessage },
      reply: {
        hijack(): void;
        raw: import('node:http').ServerResponse;
      },
    ) => {
      reply.hijack();
      handler(request.raw, reply.raw);
    };
    app.all('/election', election);
    app.all('/election/*', election);
    app.get('/hello', async () => 'hello');
    await app.listen({ port: 0, host: '127.0.0.1' });
    onCleanup(() => app.close());
    const address = app.server.address() as import('node:net').AddressInfo;
    const url = `http://127.0.0.1:${address.port}`;

    expect(JSON.parse((await get(`${url}/election/status`)).body)).toMatchObject({ leaderId: 'node-a' });
    expect((await get(`${url}/election/readyz`)).status).toBe(200);
    expect((await get(`${url}/election/`)).body).toContain('<a href="status">');
    expect((await get(`${url}/hello`)).body).toBe('hello');
    expect((await get(`${url}/election/nope`)).status).toBe(404);
    const events = await subscribeEvents(`${url}/election/events`);
    await waitFor(() => events.events.some((e) => e.event === 'snapshot'), {
      timeoutMs: 5000,
      message: 'the snapshot event over Fastify',
    });
  });
});

describe('/events', () => {
  it('streams a snapshot, then one leader event per change and the status after it', async () => {
    const clock = createManualClock(1_000_000);
    const { node, memory } = cluster({ clock });
    const a = node('a');
    const b = node('b');
    const startedA = a.start();
    await waitFor(() => a.state.isLeader, { clock, timeoutMs: 5000, message: 'a to lead' });
    await startedA;
    const handler = createElectionHandler(b, { clock, refreshMs: 60_000 });
    onCleanup(() => handler.close());
    const url = await listen((req, res) => handler(req, res));
    const stream = await subscribeEvents(`${url}/events`);
    await waitFor(() => stream.events.length === 1, { timeoutMs: 5000, message: 'the snapshot' });
    expect(stream.events[0]).toMatchObject({
      event: 'snapshot',
      data: { status: { phase: 'idle' }, timeline: [] },
    });

    const startedB = b.start();
    await waitFor(() => b.state.leaderId === 'a', { clock, timeoutMs: 5000, message: 'b to see a' });
    await startedB;
    const seen = (event: string, predicate: (data: Record<string, unknown>) => boolean) =>
      waitFor(
        () => stream.events.some((e) => e.event === event && predicate(e.data as Record<string, unknown>)),
        {
          timeoutMs: 5000,
          message: `a ${event} event`,
          describe: () => JSON.stringify(stream.events.filter((e) => e.event === 'leader')),
        },
      );
    await seen('leader', (d) => d.leaderId === 'a' && d.reason === 'leader-found');
    await seen('status', (d) => d.leaderId === 'a' && (d.reason as { kind: string }).kind === 'outranked');

    memory.partition('a');
    await waitFor(() => b.state.isLeader, { clock, timeoutMs: 5000, message: 'b to lead' });
    await seen('leader', (d) => d.leaderId === 'b' && d.reason === 'elected');
    // a's key went away (a left), then b took the lock: two changes, each reported once.
    const leaders = stream.events.filter((e) => e.event === 'leader').map((e) => e.data);
    expect(leaders).toMatchObject([
      { leaderId: 'a', previousLeaderId: null, reason: 'leader-found' },
      { leaderId: null, previousLeaderId: 'a', reason: 'leader-left' },
      { leaderId: 'b', previousLeaderId: null, reason: 'elected' },
    ]);
    expect(handler.timeline.map((change) => change.leaderId)).toEqual(['a', null, 'b']);

    // A second client gets the timeline so far in its snapshot.
    const late = await subscribeEvents(`${url}/events`);
    await waitFor(() => late.events.length > 0, { timeoutMs: 5000, message: 'the late snapshot' });
    expect(late.events[0]?.data).toMatchObject({ timeline: [{}, {}, {}] });
  });

  it('repeats the status every refreshMs while streaming, caps the streams, and ends them on close()', async () => {
    const { clock, elector } = await leaderNode();
    const handler = createElectionHandler(elector, { clock, refreshMs: 20, maxStreams: 1 });
    const url = await listen((req, res) => handler(req, res));
    const stream = await subscribeEvents(`${url}/events`);
    await waitFor(() => stream.events.filter((e) => e.event === 'status').length >= 3, {
      timeoutMs: 5000,
      message: 'three repeated status events',
    });
    const second = await get(`${url}/events`);
    expect(second.status).toBe(503);
    expect(second.body).toMatch(/maxStreams is 1/);
    handler.close();
    const count = stream.events.length;
    expect((await get(`${url}/events`)).status).toBe(503);
    // Closed: no further events arrive.
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(stream.events.length).toBe(count);
  });
});

describe('the page', () => {
  it('is one self-contained document whose inline script and style the CSP allows by hash', async () => {
    const { clock, elector } = await leaderNode();
    const handler = createElectionHandler(elector, { clock, title: 'Billing election' });
    onCleanup(() => handler.close());
    const url = await listen((req, res) => handler(req, res));
    const page = await get(`${url}/`);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/default-src 'none'/);
    const scripts = [...page.body.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1] ?? '');
    const styles = [...page.body.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => m[1] ?? '');
    expect(scripts).toHaveLength(1);
    expect(styles).toHaveLength(1);
    const sha = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
    expect(csp).toContain(`script-src ${sha(scripts[0] ?? '')}`);
    expect(csp).toContain(`style-src ${sha(styles[0] ?? '')}`);
    // No external assets: nothing is loaded from anywhere but the handler's own /events.
    expect(page.body).not.toMatch(/\s(src|href)="(https?:)?\/\//);
    expect(page.body).toContain('<title>Billing election: node-a</title>');
    expect(page.body).toContain('lang="en"');
  });

  it('escapes ids in the HTML and in the embedded JSON', async () => {
    const { clock, elector } = await leaderNode('<b onmouseover=x>');
    const handler = createElectionHandler(elector, { clock });
    onCleanup(() => handler.close());
    const url = await listen((req, res) => handler(req, res));
    const page = (await get(`${url}/`)).body;
    expect(page).not.toContain('<b onmouseover');
    expect(page).toContain('&lt;b onmouseover=x&gt;');
    expect(page).toContain('\\u003cb onmouseover=x>');
  });
});

describe('options', () => {
  it('rejects bad ones with a ConfigurationError that says what to change', async () => {
    const { elector } = await leaderNode();
    expect(() => createElectionHandler(elector, { prefix: 'election' })).toThrow(
      /\[@election\/http\] prefix must be a path starting with "\/"/,
    );
    expect(() => createElectionHandler(elector, { refreshMs: 0 })).toThrow(ConfigurationError);
    expect(() => createElectionHandler(elector, { maxStreams: 1.5 })).toThrow(
      /maxStreams must be a positive integer/,
    );
    expect(() => createElectionHandler({} as never)).toThrow(/pass the elector returned by createElector/);
  });

  it("reads leases on the elector's own clock (a manual one here) without a clock option", async () => {
    const { elector } = await leaderNode();
    const handler = createElectionHandler(elector);
    onCleanup(() => handler.close());
    const url = await listen((req, res) => handler(req, res));
    const status = JSON.parse((await get(`${url}/status`)).body) as { leaseRemainingMs: number | null };
    // Read on the system clock, the manual clock's deadline is long past: 0.
    expect(status.leaseRemainingMs).toBeGreaterThan(0);
  });
});

describe('/events when only the reason changes', () => {
  it('streams a status the moment a follower that sees no leader goes blind (issue 20 review)', async () => {
    // c (an observer) already sees no leader, then is cut off: only its reason changes. The refresh
    // ticker is an hour and the clock stands still after the change, so only the change can send it.
    const clock = createManualClock(1_000_000);
    const { node, memory } = cluster({ clock });
    const a = node('a');
    const c = node('c', { observer: true });
    const started = Promise.all([a.start(), c.start()]);
    await waitFor(() => c.state.leaderId === 'a', { clock, timeoutMs: 5000, message: 'c to see a lead' });
    await started;
    const handler = createElectionHandler(c, { clock, refreshMs: 3_600_000 });
    onCleanup(() => handler.close());
    const url = await listen((req, res) => handler(req, res));
    memory.partition('a');
    await waitFor(() => c.state.leaderId === null, { clock, timeoutMs: 10_000, message: 'c to see a gone' });
    const { events } = await subscribeEvents(`${url}/events`);
    await waitFor(() => events.some((e) => e.event === 'snapshot'), {
      timeoutMs: 5000,
      message: 'the snapshot',
    });
    memory.partition('c');
    await waitFor(() => c.state.reason.kind === 'backend-unreachable', {
      clock,
      stepMs: 1,
      timeoutMs: 10_000,
      message: 'c past its deadline',
    });
    const blind = (e: (typeof events)[number]) =>
      e.event === 'status' && (e.data as ElectionStatus).reason.kind === 'backend-unreachable';
    await waitFor(() => events.some(blind), {
      timeoutMs: 5000,
      message: 'a status saying c is blind, with no other event of c since',
    });
  });
});
