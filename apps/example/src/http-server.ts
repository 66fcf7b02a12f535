import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Elector } from '@election/core';
import type { Registry } from 'prom-client';

/** What the HTTP endpoints read; the elector appears once the backend is known (after listen). */
export interface StatusSource {
  elector: Elector | undefined;
  /** Set once start() resolved; /readyz answers 200 from then on until shutdown begins. */
  ready: boolean;
  readonly registry: Registry;
}

const JOINED = new Set(['follower', 'candidate', 'leader']);

function send(response: http.ServerResponse, status: number, type: string, body: string): void {
  response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
}

/** GET /status as the issue defines it; members are ids in election order, term a decimal string. */
export function statusBody(elector: Elector): string {
  const state = elector.state;
  return JSON.stringify({
    id: state.id,
    leaderId: state.leaderId,
    isLeader: state.isLeader,
    term: state.term === null ? null : state.term.toString(),
    members: state.members.map((member) => member.id),
    phase: state.phase,
    backend: elector.backend,
  });
}

async function route(source: StatusSource, path: string, response: http.ServerResponse): Promise<void> {
  const { elector } = source;
  switch (path) {
    case '/healthz':
      return send(response, 200, 'text/plain', 'ok\n');
    case '/readyz': {
      const ready = source.ready && elector !== undefined && JOINED.has(elector.state.phase);
      return send(response, ready ? 200 : 503, 'text/plain', ready ? 'ready\n' : 'not ready\n');
    }
    case '/status':
      if (!elector) return send(response, 503, 'application/json', '{"error":"starting"}');
      return send(response, 200, 'application/json', statusBody(elector));
    case '/metrics':
      return send(response, 200, source.registry.contentType, await source.registry.metrics());
    default:
      return send(response, 404, 'text/plain', 'not found: try /status, /healthz, /readyz or /metrics\n');
  }
}

export interface StatusServer {
  /** `http://host:port`, with the port actually bound. */
  readonly url: string;
  close(): Promise<void>;
}

function urlOf(address: AddressInfo): string {
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

export async function startStatusServer(
  source: StatusSource,
  listen: { readonly host: string; readonly port: number },
  onError: (error: unknown) => void,
): Promise<StatusServer> {
  const server = http.createServer((request, response) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      send(response, 405, 'text/plain', 'only GET\n');
      return;
    }
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    route(source, path, response).catch((error: unknown) => {
      onError(error);
      if (!response.headersSent) send(response, 500, 'text/plain', 'internal error\n');
    });
  });
  // Probes of peers should not hold connections open across a shutdown.
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', onError);
  return {
    url: urlOf(server.address() as AddressInfo),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
