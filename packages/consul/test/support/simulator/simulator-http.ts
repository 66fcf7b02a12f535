import type { IncomingMessage, ServerResponse } from 'node:http';
import { SimulatorHttpError } from './simulator-error.js';
import { validateKeyStrictly } from './simulator-key-rules.js';
import { deleteKv, getKv, putKv } from './simulator-kv-routes.js';
import { type BlockingContext, type SimulatorFaults, sendError, sendJson } from './simulator-respond.js';
import { routeSession } from './simulator-session-routes.js';
import type { SimulatorState } from './simulator-state.js';

export interface HttpOptions {
  /** When set, every request must carry this token (X-Consul-Token, Bearer, or ?token=). */
  readonly aclToken: string | undefined;
  readonly datacenter: string;
  /** Other datacenters this one is federated with: `?dc=` may name them. */
  readonly datacenters: readonly string[];
  /** A client agent (the usual local agent) or a server agent; they differ on cross-DC sessions. */
  readonly agentMode: 'client' | 'server';
  /** Validate key names as a current Consul does (see simulator-key-rules.ts). */
  readonly strictKeys: boolean;
  readonly random: () => number;
  readonly faults: SimulatorFaults;
  /** Called for every request, before it is answered (tests count requests with it). */
  readonly onRequest: (method: string, path: string, query: URLSearchParams) => void;
}

function tokenOf(req: IncomingMessage, query: URLSearchParams): string | undefined {
  const header = req.headers['x-consul-token'];
  if (typeof header === 'string' && header.length > 0) return header;
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && auth.startsWith('Bearer ')) return auth.slice('Bearer '.length);
  return query.get('token') ?? undefined;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The simulator's request handler: ACL and datacenter checks, then the KV, session and status routes. */
export function createHandler(state: SimulatorState, options: HttpOptions) {
  const context: BlockingContext = {
    faults: options.faults,
    clock: state.clock,
    random: options.random,
    onChange: (listener) => state.onChange(listener),
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://simulator');
    const method = req.method ?? 'GET';
    let path: string;
    try {
      // Go's HTTP server hands Consul the decoded path, so "%2F" in a key is a "/".
      path = decodeURIComponent(url.pathname);
    } catch {
      throw new SimulatorHttpError(400, 'invalid URL escape');
    }
    options.onRequest(method, path, url.searchParams);
    const body = await readBody(req);
    if (options.aclToken !== undefined && tokenOf(req, url.searchParams) !== options.aclToken) {
      throw new SimulatorHttpError(403, 'Permission denied');
    }
    if (path === '/v1/status/leader' && method === 'GET')
      return sendJson(
        res,
        200,
        options.faults.noLeader ? '' : `127.0.0.1:${8300 + (options.faults.elections % 3)}`,
      );
    // A raft election in progress: every request that needs the leader (writes, and reads at the
    // default consistency) fails with structs.ErrNoLeader, which the HTTP layer answers as 500.
    if (options.faults.noLeader) throw new SimulatorHttpError(500, 'No cluster leader');
    // The server rate limiter (agent/consul/rate): ErrRetryElsewhere is answered 429.
    if (options.faults.rateLimited)
      throw new SimulatorHttpError(429, 'rate limit exceeded, try again later or against a different server');
    const dc = url.searchParams.get('dc');
    const otherDc = dc !== null && dc !== '' && dc !== options.datacenter;
    if (otherDc && !options.datacenters.includes(dc))
      throw new SimulatorHttpError(500, 'No path to datacenter');
    if (otherDc && path === '/v1/session/create') {
      // agent/session_endpoint.go (SessionCreate): a client agent refuses outright; a server agent
      // forwards, and the other datacenter's catalog has no registration of this agent's node
      // (state store ErrMissingNode). Both are plain errors, so HTTP 500.
      if (options.agentMode === 'client')
        throw new SimulatorHttpError(500, 'cross datacenter lock must be created at server agent');
      throw new SimulatorHttpError(500, 'Missing node registration');
    }
    if (path.startsWith('/v1/kv/')) {
      const key = path.slice('/v1/kv/'.length);
      if (options.strictKeys && key !== '') validateKeyStrictly(key);
      if (method === 'GET') return getKv(res, state, context, key, url.searchParams);
      if (method === 'PUT') return putKv(res, state, key, url.searchParams, body);
      if (method === 'DELETE') return deleteKv(res, state, key, url.searchParams);
      throw new SimulatorHttpError(405, `method ${method} not allowed`);
    }
    if (path.startsWith('/v1/session/')) {
      return routeSession(
        res,
        state,
        context,
        method,
        path.slice('/v1/session/'.length),
        url.searchParams,
        body,
      );
    }
    throw new SimulatorHttpError(404, '404 page not found');
  }

  return (req: IncomingMessage, res: ServerResponse): void => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      if (error instanceof SimulatorHttpError) sendError(res, error);
      else
        sendError(res, new SimulatorHttpError(500, error instanceof Error ? error.message : String(error)));
    });
  };
}
