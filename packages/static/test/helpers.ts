import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type JoinRequest,
  type Member,
  type MembershipEvent,
  type MembershipSession,
  silentLogger,
  systemClock,
} from '@election/core';

/** How a test server answers /healthz: 200, 500, or never (the request hangs until the server closes). */
export type HealthMode = 'ok' | 'fail' | 'hang';

export interface HealthServer {
  readonly url: string;
  mode: HealthMode;
  /** Answers to give first, one per request, before falling back to `mode`. */
  readonly script: HealthMode[];
  /** Answers given so far, by status. */
  readonly served: { ok: number; fail: number; hung: number };
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1 and a free port, whose /healthz answer the test switches at will. */
export async function startHealthServer(mode: HealthMode = 'ok'): Promise<HealthServer> {
  const served = { ok: 0, fail: 0, hung: 0 };
  const state: { mode: HealthMode } = { mode };
  const script: HealthMode[] = [];
  const server = http.createServer((request, response) => {
    if (request.url !== '/healthz') {
      response.writeHead(404).end();
      return;
    }
    const answer = script.shift() ?? state.mode;
    if (answer === 'hang') {
      served.hung += 1;
      return;
    }
    if (answer === 'ok') served.ok += 1;
    else served.fail += 1;
    response.writeHead(answer === 'ok' ? 200 : 500).end(answer);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get mode() {
      return state.mode;
    },
    set mode(next) {
      state.mode = next;
    },
    script,
    served,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A loopback URL where nothing listens: a port that was free a moment ago. */
export async function deadUrl(): Promise<string> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

export function joinRequest(member: Member, signal: AbortSignal = new AbortController().signal): JoinRequest {
  return { member, ttlMs: 10_000, clock: systemClock, logger: silentLogger, signal, takeover: false };
}

/** Applies the session's events to a map, as core would, and keeps the raw events for assertions. */
export function trackView(session: MembershipSession) {
  const events: MembershipEvent[] = [];
  const view = new Map<string, Member>();
  const unsubscribe = session.watchMembers((event) => {
    events.push(event);
    if (event.type === 'snapshot') {
      view.clear();
      for (const member of event.members) view.set(member.id, member);
    } else if (event.type === 'put') view.set(event.member.id, event.member);
    else view.delete(event.id);
  });
  return { events, ids: () => [...view.keys()].sort(), unsubscribe };
}

/** Polls `condition` every 5 ms until it holds, or fails with `what` after `timeoutMs`. */
export async function waitFor(what: string, condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
