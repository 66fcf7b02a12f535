import net from 'node:net';
import { createElectionHandler } from '@election/http';
import { waitFor } from '@election/testing';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, cluster, listen, onCleanup } from './support.js';

/** Review of issue 20: request targets an attacker or a confused proxy sends. All held on review20. */
afterEach(cleanup);

async function raw(url: string, target: string, method = 'GET'): Promise<{ status: number; head: string }> {
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
    socket.on('end', () =>
      resolve({ status: Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1]), head: text.split('\r\n\r\n')[0] ?? '' }),
    );
    socket.on('error', reject);
  });
}

async function leader() {
  const { node } = cluster();
  const a = node('node-a');
  await a.start();
  await waitFor(() => a.state.isLeader, { timeoutMs: 5000, message: 'a to lead' });
  return a;
}

describe('review: request targets (holds)', () => {
  it('holds under node:http with a prefix', async () => {
    const handler = createElectionHandler(await leader(), { prefix: '/election' });
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
    const handler = createElectionHandler(await leader());
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
