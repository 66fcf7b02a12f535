import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createElector, type Elector, type ElectorOptions } from '@election/core';
import { createFailingBackend, createMemoryCluster, type MemoryCluster, waitFor } from '@election/testing';

/** Everything a test opened, closed in afterEach by `cleanup()`. */
const opened: Array<() => Promise<void> | void> = [];

export async function cleanup(): Promise<void> {
  for (const close of opened.splice(0).reverse()) await close();
}

/** An http.Server on a free loopback port; closed (connections and all) by cleanup(). */
export async function listen(listener: http.RequestListener): Promise<string> {
  const server = http.createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  opened.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A memory cluster whose electors are stopped and timers cancelled by cleanup(). */
export function cluster(options: Parameters<typeof createMemoryCluster>[0] = {}) {
  const memory: MemoryCluster = createMemoryCluster(options);
  const electors: Elector[] = [];
  opened.push(async () => {
    for (const elector of electors) await elector.stop({ resign: false });
    memory.dispose();
  });
  return {
    memory,
    node(id: string, extra: Partial<ElectorOptions> = {}): Elector {
      const elector = createElector({
        id,
        membership: memory.backend(),
        ttlMs: 1000,
        ...(options.clock ? { clock: options.clock } : {}),
        ...extra,
      });
      electors.push(elector);
      return elector;
    },
  };
}

/** Waits until every elector sees all of them, with `leaderId` leading. */
export function allSeeLeader(electors: readonly Elector[], leaderId: string): Promise<void> {
  return waitFor(
    () =>
      electors.every(
        (elector) => elector.state.leaderId === leaderId && elector.state.members.length === electors.length,
      ),
    { timeoutMs: 5000, message: `every node to see all ${electors.length}, and ${leaderId} lead` },
  );
}

export function onCleanup(close: () => Promise<void> | void): void {
  opened.push(close);
}

export interface Answer {
  readonly status: number;
  readonly type: string | null;
  readonly headers: Headers;
  readonly body: string;
}

export async function get(url: string, init: RequestInit = {}): Promise<Answer> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(5000) });
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    headers: response.headers,
    body: await response.text(),
  };
}

export interface ServerEvent {
  readonly event: string;
  readonly data: unknown;
}

/** Reads a Server-Sent Events stream into `events` until cleanup() aborts it. */
export async function subscribeEvents(url: string): Promise<{ events: ServerEvent[]; type: string | null }> {
  const controller = new AbortController();
  opened.push(() => controller.abort());
  const response = await fetch(url, { signal: controller.signal });
  const events: ServerEvent[] = [];
  const reader = response.body?.pipeThrough(new TextDecoderStream()).getReader();
  void (async () => {
    let buffer = '';
    try {
      for (;;) {
        const chunk = await reader?.read();
        if (!chunk || chunk.done) return;
        buffer += chunk.value;
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event !== undefined && data !== undefined) events.push({ event, data: JSON.parse(data) });
          end = buffer.indexOf('\n\n');
        }
      }
    } catch {
      // aborted by cleanup()
    }
  })();
  return { events, type: response.headers.get('content-type') };
}

/**
 * An elector whose backend rejects every join with `message` (as a custom adapter might word it),
 * retried every few ms; started, stopped by cleanup(). Resolves once one join has failed.
 */
export async function failingElector(message: string): Promise<Elector> {
  const elector = createElector({
    id: 'node-x',
    membership: createFailingBackend({ message }),
    backoff: { initialMs: 10, maxMs: 50 },
  });
  opened.push(() => elector.stop());
  void elector.start().catch(() => {});
  await waitFor(() => elector.state.reason.kind === 'joining' && elector.state.reason.attempt > 0, {
    timeoutMs: 5000,
    message: 'a failed join',
  });
  return elector;
}
