import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { HeldRequests } from './simulator/simulator-hold.js';
import { type AclPolicy, createHandler } from './simulator/simulator-http.js';
import type { KeyValidation } from './simulator/simulator-key-rules.js';
import type { SimulatorFaults } from './simulator/simulator-respond.js';
import { SimulatorState, type SimulatorStateOptions } from './simulator/simulator-state.js';

/**
 * A Consul HTTP API SIMULATOR, not Consul: a real node:http server on 127.0.0.1 that implements,
 * from Consul's documented semantics, what @election/consul uses: sessions (create, renew, destroy,
 * info, list, node; TTL range 10 s–86400 s with Consul's error text; invalidation between TTL and
 * 2×TTL; behavior release/delete; lock-delay), KV (get, recurse, keys, raw, put, delete, cas,
 * acquire, release, LockIndex/ModifyIndex/CreateIndex/Session/Flags, base64 values, tombstones),
 * blocking queries (index, wait with jitter, X-Consul-Index), one raft-like global index, ACL token
 * checks and datacenter checks, several agents (one node each, `addAgent()`) whose node can fail
 * (`failNode()`: serfHealth critical, its sessions destroyed) or leave the catalog. There is no
 * raft and no gossip: a node fails when the test says so.
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
   * Validate key names as the strictest Consul agents do (`keyValidation: 'union'`: only
   * `a-zA-Z0-9,-_./`, no "..", no "suspicious" extensions). Default false, the lenient Consul of old.
   */
  readonly strictKeys?: boolean;
  /** Key-name validation of one Consul version (simulator-key-rules.ts); overrides `strictKeys`. */
  readonly keyValidation?: KeyValidation;
  /** What the ACL token may do with each key (see HttpOptions.aclPolicy). Default: everything. */
  readonly aclPolicy?: AclPolicy;
  /**
   * How long a request waits while there is no cluster leader (or, on a failed node's agent, no
   * server) before it is answered 500: Consul's `rpc_hold_timeout`, 7000 ms by default. Tests that
   * are not about the hold lower it.
   */
  readonly holdMs?: number;
  /** Serve HTTPS with this certificate and key (PEM) instead of plain HTTP. */
  readonly tls?: { readonly cert: Buffer; readonly key: Buffer };
}

export interface SimulatedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
}

/** One more agent of the simulated cluster: its own HTTP listener and node, the same servers. */
export interface SimulatedAgent {
  readonly node: string;
  readonly host: string;
  readonly port: number;
  readonly address: string;
  close(): Promise<void>;
}

export interface ConsulSimulator {
  /** The node of the first agent (the one at `address`). */
  readonly node: string;
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
   * failed node's serfHealth check would invalidate its sessions: that is `failNode()`).
   */
  disconnect(): Promise<void>;
  /** The agent answers again, on the same port; session timers were never stopped. */
  reconnect(): Promise<void>;
  /** Client connections open right now (keep-alive sockets included). */
  connections(): Promise<number>;
  restart(): Promise<void>;
  /**
   * A raft election starts: requests are held up to `holdMs` (then 500 "No cluster leader");
   * sessions survive, untimed.
   */
  loseLeader(): void;
  /** A new leader takes office: requests succeed again and every session gets a full TTL afresh. */
  electLeader(): void;
  /** Another agent on its own node (registered in the catalog), sharing this cluster's servers. */
  addAgent(node: string): Promise<SimulatedAgent>;
  /**
   * The servers mark `node` failed (its agent stopped, crashed, or partitioned from them): its
   * agent stops reaching the servers (requests held, then 500, as a client agent without servers)
   * and its serfHealth check turns critical, which destroys every session bound to it at once
   * (SimulatorState.failNode). Returns the destroyed sessions.
   */
  failNode(node: string): string[];
  /**
   * `node` leaves (`consul leave`, or its client agent stopped with SIGTERM: leave_on_terminate):
   * its agent stops answering and the node is deregistered, which destroys every session of it,
   * whatever its checks (SimulatorState.deregisterNode). Returns the destroyed sessions.
   */
  leaveNode(node: string): string[];
  /** The failed node's agent reaches the servers again (its destroyed sessions stay destroyed). */
  healNode(node: string): void;
  /** Requests held right now (no leader, or a failed node's agent). */
  heldRequests(): number;
  /** stop(), for good (every agent added too). */
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
    retryLater: false,
  };
  const held = new HeldRequests(state.clock);
  const failed = new Set<string>();
  const handlerFor = (node: string) =>
    createHandler(state, {
      aclToken: options.aclToken,
      aclPolicy: options.aclPolicy,
      datacenter: options.datacenter ?? 'dc1',
      datacenters: options.datacenters ?? [],
      agentMode: options.agentMode ?? 'client',
      keyValidation: options.keyValidation ?? (options.strictKeys ? 'union' : 'none'),
      random: options.random ?? Math.random,
      faults,
      node,
      partitioned: () => failed.has(node),
      held,
      holdMs: options.holdMs ?? 7_000,
      onRequest: (method, path, query) => requests.push({ method, path, query }),
    });
  const handler = handlerFor(state.node);
  const tls = options.tls;
  const createServer = (serve = handler): Server =>
    tls ? createHttpsServer({ cert: tls.cert, key: tls.key }, serve) : createHttpServer(serve);
  let server: Server | undefined = createServer();
  const port = await listen(server, 0);
  const agents: SimulatedAgent[] = [];

  async function closeServer(current: Server): Promise<void> {
    const closed = new Promise<void>((resolve) => current.close(() => resolve()));
    current.closeAllConnections();
    await closed;
  }

  async function closeListener(): Promise<void> {
    const current = server;
    if (!current) return;
    server = undefined;
    await closeServer(current);
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

  const scheme = tls ? 'https' : 'http';
  return {
    node: state.node,
    host: '127.0.0.1',
    port,
    address: `${scheme}://127.0.0.1:${port}`,
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
      held.wake();
    },
    async addAgent(node) {
      state.registerNode(node);
      const agentServer = createServer(handlerFor(node));
      const agentPort = await listen(agentServer, 0);
      const agent: SimulatedAgent = {
        node,
        host: '127.0.0.1',
        port: agentPort,
        address: `${scheme}://127.0.0.1:${agentPort}`,
        close: () => closeServer(agentServer),
      };
      agents.push(agent);
      return agent;
    },
    failNode(node) {
      failed.add(node);
      return state.failNode(node);
    },
    leaveNode(node) {
      failed.add(node);
      return state.deregisterNode(node);
    },
    healNode(node) {
      failed.delete(node);
      held.wake();
    },
    heldRequests: () => held.size,
    async close() {
      await stop();
      for (const agent of agents.splice(0)) await agent.close();
    },
  };
}
