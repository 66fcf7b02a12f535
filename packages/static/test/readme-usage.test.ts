import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { waitFor } from '@election/testing';
import {
  type ExampleProcess,
  freePort,
  REPORT_STARTED,
  REPORT_STOP,
  readmeExample,
  replaceOnce,
  startExample,
} from '@election/tools';
import { afterEach, describe, expect, it } from 'vitest';

const readme = fileURLToPath(new URL('../README.md', import.meta.url));
const scratchDir = fileURLToPath(new URL('../.tmp/', import.meta.url));

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A peer that is alive: answers its /healthz with 200, on loopback. */
async function livePeer(): Promise<string> {
  const server = http.createServer((_request, response) => response.writeHead(200).end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** The README's Usage example as written, with its addresses moved to loopback ports. */
async function readmeCode(): Promise<string> {
  const self = await freePort();
  let code = readmeExample(readme, 'createStaticMembership({');
  code = replaceOnce(code, 'http://10.0.0.1:8080', `http://127.0.0.1:${self}`);
  code = replaceOnce(code, 'http://10.0.0.2:8080', await livePeer());
  code = replaceOnce(code, 'http://10.0.0.3:8080', `http://127.0.0.1:${await freePort()}`); // down
  code = replaceOnce(code, 'server.listen(8080);', `server.listen(${self}, '127.0.0.1');`);
  return code + REPORT_STARTED + REPORT_STOP;
}

describe('the README usage, run as written in its own process', () => {
  it('leads, and after SIGTERM exits by itself within 1 s of stop() resolving', async () => {
    const example: ExampleProcess = startExample({
      code: await readmeCode(),
      scratchDir,
      name: 'readme-usage',
    });
    cleanups.push(() => example.dispose());
    const started = () => example.records.find((record) => record.type === 'started');
    await waitFor(() => started() !== undefined, {
      timeoutMs: 15_000,
      message: 'the example to start',
      describe: () => example.process.stderrTail(),
    });
    // node-2 answers its probes, node-3 is down: node-1 sorts first among the live ones.
    expect(started()).toMatchObject({ leaderId: 'node-1', members: ['node-1', 'node-2'] });

    const exit = await example.terminate();
    console.log(`static README usage: exited ${exit.afterStopMs?.toFixed(1)} ms after stop() resolved`);
    expect(exit.code, example.process.stderrTail()).toBe(0);
    expect(exit.afterStopMs).toBeDefined();
    expect(exit.afterStopMs).toBeLessThan(1000);
  }, 30_000);
});
