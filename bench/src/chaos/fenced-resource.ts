import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sharedNow } from '../util/clock.js';
import type { ResourceWrite } from './history.js';

export interface FencedResource {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  /** Every write request in the order received, accepted or not. */
  readonly writes: readonly ResourceWrite[];
  close(): Promise<void>;
}

/**
 * The shared resource leaders write to: `POST /write?node=&proc=&token=&sentAt=`. It rejects (409) a
 * token lower than the highest it has accepted, which is what fencing asks of a downstream system.
 */
export async function startFencedResource(): Promise<FencedResource> {
  const writes: ResourceWrite[] = [];
  let highest: bigint | undefined;
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const token = url.searchParams.get('token');
    const node = url.searchParams.get('node');
    const proc = url.searchParams.get('proc');
    const sentAt = Number(url.searchParams.get('sentAt'));
    if (
      request.method !== 'POST' ||
      url.pathname !== '/write' ||
      token === null ||
      !/^\d+$/.test(token) ||
      node === null ||
      proc === null
    ) {
      response.writeHead(400).end('POST /write?node=&proc=&token=<digits>&sentAt=<ms>\n');
      return;
    }
    const value = BigInt(token);
    const accepted = highest === undefined || value >= highest;
    if (accepted) highest = value;
    writes.push({ node, proc, token, sentAt, receivedAt: sharedNow(), accepted });
    response.writeHead(accepted ? 200 : 409, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ accepted, highest: highest?.toString() ?? null }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    writes,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
