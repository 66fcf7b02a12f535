import type { IncomingMessage, ServerResponse } from 'node:http';
import { SimulatorHttpError } from './simulator-error.js';
import type { HeldRequests } from './simulator-hold.js';
import { type KeyValidation, validateKey } from './simulator-key-rules.js';
import { deleteKv, getKv, putKv } from './simulator-kv-routes.js';
import { type BlockingContext, type SimulatorFaults, sendError, sendJson } from './simulator-respond.js';
import { routeSession } from './simulator-session-routes.js';
import type { SimulatorState } from './simulator-state.js';
import { putTxn } from './simulator-txn.js';

export type AclPolicy = (key: string, access: 'read' | 'write' | 'list') => boolean;

export interface HttpOptions {
  /** When set, every request must carry this token (X-Consul-Token, Bearer, or ?token=). */
  readonly aclToken: string | undefined;
  readonly datacenter: string;
  /** Other datacenters this one is federated with: `?dc=` may name them. */
  readonly datacenters: readonly string[];
  /** A client agent (the usual local agent) or a server agent; they differ on cross-DC sessions. */
  readonly agentMode: 'client' | 'server';
  /** Which Consul version's key-name validation applies (see simulator-key-rules.ts). */
  readonly keyValidation: KeyValidation;
  /**
   * Whether the ACL token may `read` or `write` a key, or see it in a `list` (`?recurse`, `?keys`:
   * Consul's KVS.List filters each entry with FilterDirEnt, which asks for read, so a policy
   * modelling Consul answers `list` as `read`). Unset: everything (when the token matches). A
   * single-key read or a write without the right answers 403; a list silently drops the entry.
   */
  readonly aclPolicy: AclPolicy | undefined;
  /** The node of the agent this listener is: sessions created through it are bound to it. */
  readonly node: string;
  /** This agent cannot reach the servers (its node failed, or is partitioned away). */
  readonly partitioned: () => boolean;
  /** Requests held while there is no leader (or no server to reach). */
  readonly held: HeldRequests;
  /** How long a request is held before the error is answered: Consul's rpc_hold_timeout, 7 s. */
  readonly holdMs: number;
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
    // An agent cut off from the servers retries for rpc_hold_timeout, then answers the RPC error.
    if (!(await options.held.hold(res, options.partitioned, options.holdMs)))
      throw new SimulatorHttpError(500, 'rpc error making call: No known Consul servers');
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
    // default consistency) is held for up to rpc_hold_timeout (agent/consul/rpc.go,
    // forwardRequestToLeader retries while canRetry), goes on if a leader is elected meanwhile, and
    // else fails with structs.ErrNoLeader, which the HTTP layer answers as 500.
    if (!(await options.held.hold(res, () => options.faults.noLeader, options.holdMs)))
      throw new SimulatorHttpError(500, 'No cluster leader');
    // The RPC rate limit: agent/http.go answers structs.ErrRPCRateExceeded with a bare 429, no body.
    if (options.faults.rateLimited) throw new SimulatorHttpError(429, '');
    // The server rate limiter (agent/consul/rate/handler.go): an operation only the leader can
    // serve (a write) gets ErrRetryLater, answered 503.
    if (options.faults.retryLater && method !== 'GET')
      throw new SimulatorHttpError(
        503,
        'rate limit exceeded for operation that can only be performed by the leader, try again later',
      );
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
      if (key !== '') validateKey(key, options.keyValidation);
      const policy = options.aclPolicy;
      const canList = (k: string) => policy === undefined || policy(k, 'list');
      const recursive = url.searchParams.has('recurse') || url.searchParams.has('keys');
      // KVS.Get / KVS.Apply check the key itself (403); KVS.List filters (FilterDirEnt), no 403.
      if (policy !== undefined && !(method === 'GET' && recursive)) {
        if (!policy(key, method === 'GET' ? 'read' : 'write'))
          throw new SimulatorHttpError(403, 'Permission denied');
      }
      if (method === 'GET') return getKv(res, state, context, key, url.searchParams, canList);
      if (method === 'PUT') return putKv(res, state, key, url.searchParams, body);
      if (method === 'DELETE') return deleteKv(res, state, key, url.searchParams);
      throw new SimulatorHttpError(405, `method ${method} not allowed`);
    }
    if (path === '/v1/txn') {
      if (method !== 'PUT') throw new SimulatorHttpError(405, `method ${method} not allowed`);
      const policy = options.aclPolicy;
      return putTxn(res, state, body, (key) => policy === undefined || policy(key, 'write'));
    }
    if (path.startsWith('/v1/session/')) {
      return routeSession(
        res,
        state,
        context,
        options.node,
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
