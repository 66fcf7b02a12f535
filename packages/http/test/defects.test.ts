import { createElectionHandler } from '@election/http';
import { createManualClock, waitFor } from '@election/testing';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, cluster, listen, onCleanup } from './support.js';

afterEach(cleanup);

/** A raw HTTP/1.1 request, so the request target is sent exactly as written (fetch would normalise it). */
async function raw(url: string, target: string): Promise<{ status: number; body: string }> {
  const { port } = new URL(url);
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), '127.0.0.1', () => {
      socket.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
    });
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
    });
    socket.on('end', () => {
      const status = Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1]);
      resolve({ status, body: text.slice(text.indexOf('\r\n\r\n') + 4) });
    });
    socket.on('error', reject);
  });
}

async function leader(id = 'node-a', ttlMs = 1000) {
  const clock = createManualClock(1_000_000);
  const { node, memory } = cluster({ clock });
  const elector = node(id, { ttlMs });
  const started = elector.start();
  await waitFor(() => elector.state.isLeader, { clock, timeoutMs: 5000, message: `${id} to lead` });
  await started;
  return { clock, elector, memory };
}

describe('request targets that start with //', () => {
  it('are not read as protocol-relative URLs under node:http', async () => {
    const { clock, elector } = await leader();
    const handler = createElectionHandler(elector, { clock, prefix: '/election' });
    onCleanup(() => handler.close());
    const url = await listen((req, res) => handler(req, res));
    expect((await raw(url, '/election/status')).status).toBe(200);
    // `//foo/election/status` is the path "//foo/election/status", not host foo + /election/status.
    expect((await raw(url, '//foo/election/status')).status).toBe(404);
    expect((await raw(url, '/election//status')).status).toBe(404);
    expect((await raw(url, '//election/status')).status).toBe(404);
  });

  it('do not serve the page under Express for /election//status', async () => {
    const { clock, elector } = await leader();
    const handler = createElectionHandler(elector, { clock });
    onCleanup(() => handler.close());
    const app = express();
    app.use('/election', handler);
    app.use((_req, res) => {
      res.status(404).type('text/plain').send('the app: not found\n');
    });
    const url = await listen(app);
    expect((await raw(url, '/election/status')).status).toBe(200);
    const doubled = await raw(url, '/election//status');
    expect(doubled.status).toBe(404);
    expect(doubled.body).not.toContain('<!doctype html>');
  });
});

describe('/events at maxStreams', () => {
  it('answers 503 with Retry-After', async () => {
    const { clock, elector } = await leader();
    const handler = createElectionHandler(elector, { clock, maxStreams: 1 });
    onCleanup(() => handler.close());
    const url = await listen((req, res) => handler(req, res));
    const first = new AbortController();
    onCleanup(() => first.abort());
    const open = await fetch(`${url}/events`, { signal: first.signal });
    expect(open.status).toBe(200);
    const second = await fetch(`${url}/events`, { signal: AbortSignal.timeout(5000) });
    expect(second.status).toBe(503);
    expect(Number(second.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    await second.text();
  });
});

describe('/readyz', () => {
  it('is not ready once the backend has been unreachable for more than one renewal interval, and ready again after', async () => {
    const ttlMs = 1500; // renewal interval 500 ms
    const { clock, elector, memory } = await leader('node-a', ttlMs);
    const handler = createElectionHandler(elector, { clock, ttlMs });
    onCleanup(() => handler.close());
    const url = await listen((req, res) => handler(req, res));
    expect((await raw(url, '/readyz')).status).toBe(200);
    memory.partition('node-a');
    const cutAt = clock.now();
    // Within one renewal interval of the first failure: still ready (one failed renewal is noise).
    await waitFor(() => errors(elector) > 0, { clock, timeoutMs: 2000, message: 'a failed renewal' });
    // Past one renewal interval without reaching the backend: not ready, long before the deadline.
    await waitFor(async () => (await raw(url, '/readyz')).status === 503, {
      clock,
      timeoutMs: ttlMs,
      message: '/readyz to say not ready',
    });
    const notReadyAfter = clock.now() - cutAt;
    console.log(
      `readyz test: not ready ${notReadyAfter} ms (clock) after the backend was cut off; TTL ${ttlMs} ms`,
    );
    expect(notReadyAfter).toBeLessThan(ttlMs);
    const body = (await raw(url, '/readyz')).body;
    expect(body).toMatch(/^not ready: the backend has not been reached for \d+\.\d s/);
    memory.heal('node-a');
    await waitFor(async () => (await raw(url, '/readyz')).status === 200, {
      clock,
      timeoutMs: 5000,
      message: '/readyz to say ready again',
    });
  });
});

let errorCounts = new WeakMap<object, number>();
function errors(elector: { subscribe: (fn: (e: { type: string }) => void) => () => void }): number {
  if (!errorCounts.has(elector)) {
    errorCounts.set(elector, 0);
    const stop = elector.subscribe((event) => {
      if (event.type === 'error') errorCounts.set(elector, (errorCounts.get(elector) ?? 0) + 1);
    });
    onCleanup(() => {
      stop();
      errorCounts = new WeakMap();
    });
  }
  return errorCounts.get(elector) ?? 0;
}
