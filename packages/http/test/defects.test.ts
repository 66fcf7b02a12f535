import net from 'node:net';
import { createElectionHandler } from '@election/http';
import { assertStays, createManualClock, waitFor } from '@election/testing';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, cluster, get, listen, onCleanup } from './support.js';

afterEach(cleanup);

/** A raw HTTP/1.1 request, so the request target is sent exactly as written (fetch would normalise it). */
async function raw(
  url: string,
  target: string,
  method = 'GET',
): Promise<{ status: number; head: string; body: string }> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), '127.0.0.1', () => {
      socket.write(`${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
    });
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
    });
    socket.on('end', () => {
      const status = Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1]);
      const split = text.indexOf('\r\n\r\n');
      resolve({ status, head: text.slice(0, split), body: text.slice(split + 4) });
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

describe('request targets an attacker or a confused proxy sends (held on review20)', () => {
  it('holds under node:http with a prefix', async () => {
    const handler = createElectionHandler((await leader()).elector, { prefix: '/election' });
    onCleanup(() => handler.close());
    const url = await listen((req, res) => handler(req, res));
    const cases: Array<[string, number, string?]> = [
      ['/election/status', 200],
      ['/election/status/', 200],
      ['/election/status?next=//evil.example/x', 200],
      ['http://evil.example/election/status', 200], // absolute-form: its path
      ['http://evil.example//election/status', 404],
      ['/election/%2e%2e/election/status', 404],
      ['/election%2Fstatus', 404],
      ['/election/./status', 404],
      ['/election/../election/status', 404],
      ['/ELECTION/status', 404],
      ['/electionx/status', 404],
      ['*', 404, 'OPTIONS'],
      ['/election/leader', 405, 'POST'],
      ['/election/cluster', 200, 'HEAD'],
    ];
    for (const [target, status, method] of cases) {
      expect(`${method ?? 'GET'} ${target} ${(await raw(url, target, method)).status}`).toBe(
        `${method ?? 'GET'} ${target} ${status}`,
      );
    }
  });

  it('holds under Express (mount strips the prefix; // anywhere in the original path is refused)', async () => {
    const handler = createElectionHandler((await leader()).elector);
    onCleanup(() => handler.close());
    const app = express();
    app.use('/ops/election', handler);
    app.use((_req, res) => {
      res.status(418).end();
    });
    const url = await listen(app);
    const cases: Array<[string, number]> = [
      ['/ops/election', 200],
      ['/ops/election/', 200],
      ['/ops/election/status', 200],
      ['/ops//election/status', 418],
      ['/ops/election//status', 418],
      ['/ops/election/nope', 418],
    ];
    for (const [target, status] of cases) {
      expect(`${target} ${(await raw(url, target)).status}`).toBe(`${target} ${status}`);
    }
  });
});

/**
 * `/readyz` with the elector's TTL other than 10 s and no `ttlMs` given to the handler: "not ready
 * while the backend is unreachable past one renewal interval" is TTL / 3 of the elector's TTL, which
 * the handler reads from the elector (issue 20 review).
 */
const ELECTOR_TTL_MS = 30_000; // renewal interval 10 s

async function partitioned(handlerTtlMs?: number) {
  const { clock, elector: a, memory } = await leader('node-a', ELECTOR_TTL_MS);
  const handler = createElectionHandler(a, handlerTtlMs === undefined ? {} : { ttlMs: handlerTtlMs });
  onCleanup(() => handler.close());
  const url = await listen((req, res) => handler(req, res));
  const errorsAt: number[] = [];
  onCleanup(a.subscribe((event) => event.type === 'error' && errorsAt.push(clock.now() - cutAt)));
  expect((await get(`${url}/readyz`)).status).toBe(200);
  memory.partition('node-a');
  const cutAt = clock.now();
  return { clock, url, a, cutAt, errorsAt };
}

const readyz = async (url: string) => (await get(`${url}/readyz`)).status;

describe('/readyz with the elector TTL other than 10 s and no ttlMs given to the handler', () => {
  it('holds: says not ready within two renewal intervals of the elector (before its registration deadline)', async () => {
    const { clock, url, cutAt, errorsAt } = await partitioned();
    let notReadyAt: number | null = null;
    await waitFor(
      async () => {
        if ((await readyz(url)) === 503) notReadyAt = clock.now() - cutAt;
        return notReadyAt !== null;
      },
      { clock, timeoutMs: ELECTOR_TTL_MS + 5000, stepMs: 250, message: '/readyz to say not ready' },
    ).catch(() => {});
    console.log(`readyz: errors at ${errorsAt.join(', ')} ms; not ready at ${notReadyAt} ms after the cut`);
    expect(notReadyAt).not.toBeNull();
    expect(notReadyAt as unknown as number).toBeLessThan((2 * ELECTOR_TTL_MS) / 3);
  });

  it.each([
    ['not given (default 10 s)', undefined],
    ['given, the elector TTL', ELECTOR_TTL_MS],
  ])(
    'once not ready, stays not ready while the backend stays cut off (no flapping); handler ttlMs %s',
    async (_, handlerTtlMs) => {
      const { clock, url, cutAt, errorsAt } = await partitioned(handlerTtlMs);
      const seen: string[] = [];
      let last = 0;
      onCleanup(() => console.log(`readyz flaps: ${seen.join(' ')}; errors at ${errorsAt.join(', ')} ms`));
      const watch = async () => {
        const status = await readyz(url);
        if (status !== last) seen.push(`${status}@${clock.now() - cutAt}`);
        last = status;
        return status;
      };
      await waitFor(async () => (await watch()) === 503, {
        clock,
        timeoutMs: ELECTOR_TTL_MS,
        stepMs: 250,
        message: '/readyz to say not ready',
      });
      await assertStays(async () => (await watch()) === 503, {
        clock,
        durationMs: ELECTOR_TTL_MS,
        stepMs: 250,
        message: '/readyz to stay 503 while cut off',
      });
    },
  );
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
