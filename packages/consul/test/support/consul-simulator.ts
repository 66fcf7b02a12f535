import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createHandler } from './simulator/simulator-http.js';
import type { SimulatorFaults } from './simulator/simulator-respond.js';
import { SimulatorState, type SimulatorStateOptions } from './simulator/simulator-state.js';

/**
 * A Consul HTTP API SIMULATOR, not Consul: a real node:http server on 127.0.0.1 that implements,
 * from Consul's documented semantics, what @election/consul uses: sessions (create, renew, destroy,
 * info, list, node; TTL range 10 s–86400 s with Consul's error text; invalidation between TTL and
 * 2×TTL; behavior release/delete; lock-delay), KV (get, recurse, keys, raw, put, delete, cas,
 * acquire, release, LockIndex/ModifyIndex/CreateIndex/Session/Flags, base64 values, tombstones),
 * blocking queries (index, wait with jitter, X-Consul-Index), one raft-like global index, ACL token
 * checks and datacenter checks. There is no raft, no gossip, no health checks and one node only.
 */
export interface ConsulSimulatorOptions extends SimulatorStateOptions {
  /** Require this ACL token on every request; 403 "Permission denied" otherwise. */
  readonly aclToken?: string;
  /** The simulated datacenter; `?dc=` naming another one fails like Consul. Default `dc1`. */
  readonly datacenter?: string;
  /** Datacenters federated with this one (`?dc=` may name them; sessions there still fail). */
  readonly datacenters?: readonly string[];
  /** The agent the adapter talks to: `client` (default, the usual local agent) or `server`. */
  readonly agentMode?: 'client' | 'server';
  /**
   * Validate key names as a current Consul agent does (only `a-zA-Z0-9,-_./`, no "..", no
   * "suspicious" extensions; 400 otherwise). Default false, the lenient Consul of old.
   */
  readonly strictKeys?: boolean;
  /** Serve HTTPS with this certificate and key (PEM) instead of plain HTTP. */
  readonly tls?: { readonly cert: Buffer; readonly key: Buffer };
}

export interface SimulatedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
}

export interface ConsulSimulator {
  readonly host: string;
  readonly port: number;
  /** `http://127.0.0.1:<port>` (https with `tls`) */
  readonly address: string;
  /** The simulated cluster's data, for tests to inspect or tamper with. Survives stop/start. */
  readonly state: SimulatorState;
  /** Fault injection (not Consul semantics), off by default; tests flip these at run time. */
  readonly faults: SimulatorFaults;
  /** Every request received so far, in order. */
  readonly requests: readonly SimulatedRequest[];
  readonly running: boolean;
  /**
   * The servers go down (a single-server cluster restarts): closes the listener and every open
   * connection; the data stays, session timers pause.
   */
  stop(): Promise<void>;
  /** Listens again on the same port; session timers restart with a full TTL, as on a new leader. */
  start(): Promise<void>;
  /**
   * The agent's HTTP API becomes unreachable (connections refused, open ones cut) while the cluster
   * runs on: the servers keep the session timers counting (they live on the raft leader,
   * agent/consul/session_ttl.go), so a session not renewed within 2×TTL of its last renewal is
   * invalidated meanwhile, and one renewed in time survives. On a real Consul this is a client that
   * cannot reach its agent, or an agent restarted faster than gossip marks its node failed (a
   * failed node's serfHealth check would invalidate its sessions; the simulator has no checks).
   */
  disconnect(): Promise<void>;
  /** The agent answers again, on the same port; session timers were never stopped. */
  reconnect(): Promise<void>;
  /** Client connections open right now (keep-alive sockets included). */
  connections(): Promise<number>;
  restart(): Promise<void>;
  /** A raft election starts: 500 "No cluster leader" on every request; sessions survive, untimed. */
  loseLeader(): void;
  /** A new leader takes office: requests succeed again and every session gets a full TTL afresh. */
  electLeader(): void;
  /** stop(), for good. */
  close(): Promise<void>;
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

export async function startConsulSimulator(options: ConsulSimulatorOptions = {}): Promise<ConsulSimulator> {
  const state = new SimulatorState(options);
  const requests: SimulatedRequest[] = [];
  const faults: SimulatorFaults = {
    answerBlockingAtOnce: false,
    zeroIndex: false,
    noLeader: false,
    elections: 0,
    rateLimited: false,
  };
  const handler = createHandler(state, {
    aclToken: options.aclToken,
    datacenter: options.datacenter ?? 'dc1',
    datacenters: options.datacenters ?? [],
    agentMode: options.agentMode ?? 'client',
    strictKeys: options.strictKeys ?? false,
    random: options.random ?? Math.random,
    faults,
    onRequest: (method, path, query) => requests.push({ method, path, query }),
  });
  const tls = options.tls;
  const createServer = (): Server =>
    tls ? createHttpsServer({ cert: tls.cert, key: tls.key }, handler) : createHttpServer(handler);
  let server: Server | undefined = createServer();
  const port = await listen(server, 0);

  async function closeListener(): Promise<void> {
    const current = server;
    if (!current) return;
    server = undefined;
    const closed = new Promise<void>((resolve) => current.close(() => resolve()));
    current.closeAllConnections();
    await closed;
  }

  async function openListener(): Promise<boolean> {
    if (server) return false;
    const next = createServer();
    await listen(next, port);
    server = next;
    return true;
  }

  async function stop(): Promise<void> {
    state.pauseTimers();
    await closeListener();
  }

  async function start(): Promise<void> {
    if (await openListener()) state.resumeTimers();
  }

  return {
    host: '127.0.0.1',
    port,
    address: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    state,
    faults,
    requests,
    get running() {
      return server !== undefined;
    },
    stop,
    start,
    disconnect: closeListener,
    async reconnect() {
      await openListener();
    },
    connections() {
      const current = server;
      if (!current) return Promise.resolve(0);
      return new Promise((resolve, reject) =>
        current.getConnections((error, count) => (error ? reject(error) : resolve(count))),
      );
    },
    async restart() {
      await stop();
      await start();
    },
    loseLeader() {
      if (faults.noLeader) return;
      faults.noLeader = true;
      state.pauseTimers();
    },
    electLeader() {
      if (!faults.noLeader) return;
      faults.noLeader = false;
      faults.elections++;
      if (server) state.resumeTimers();
    },
    close: stop,
  };
}
