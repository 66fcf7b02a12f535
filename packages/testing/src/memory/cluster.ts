import {
  type BackendCapabilities,
  type Clock,
  ConfigurationError,
  LifecycleError,
  type LockHolder,
  type Member,
  type MembershipBackend,
  systemClock,
} from '@election/core/adapter';
import { SOURCE } from '../source.js';
import { MemoryBackend } from './backend.js';
import { type DelayOptions, Network } from './network.js';
import { type LockGrant, MemoryServer } from './server.js';
import type { MemorySession } from './session.js';

export interface MemoryClusterOptions {
  /** Drives leases, renewals and delayed deliveries; give the same clock to createElector. Default: the system clock. */
  readonly clock?: Clock;
  /** Overrides of the advertised capabilities, e.g. `{ lock: false }` for a backend without a lock. */
  readonly capabilities?: Partial<BackendCapabilities>;
  /** Randomness for jittered delays, in [0, 1). Pass a seeded one for repeatable runs. Default Math.random. */
  readonly random?: () => number;
}

/** A shared in-memory "server" with one backend per node and switches to break things on purpose. */
export interface MemoryCluster {
  readonly capabilities: BackendCapabilities;
  /** A fresh backend for one node (one per elector), all talking to this cluster's server. */
  backend(): MembershipBackend;
  /** The node's lease runs out now: its member key and any lock it holds vanish, its session reports lost. */
  expire(id: string): void;
  /**
   * Cuts the node off: its renewals and watch events stop reaching it, its calls reject with
   * BackendUnavailableError, and its lease expires on the server by TTL (its local deadline, too,
   * stops moving). Other nodes are unaffected.
   */
  partition(id: string): void;
  /** Reconnects the node: its watches resynchronise (fresh snapshot, current holder) and a lease lost meanwhile is reported. */
  heal(id: string): void;
  /** Holds back watch events by `ms` on the clock (for every node, or one node with `{ node }`). 0 restores prompt delivery. */
  delay(ms: number, options?: DelayOptions): void;
  /**
   * Answers to calls (join, lock.tryAcquire, lock.release) reach every node (or one node) `ms` later
   * on the clock; the server acts at once. Watch events are not affected (see delay()).
   */
  latency(ms: number, options?: DelayOptions): void;
  /** The live members on the server, by id. */
  members(): Member[];
  /** Who holds the leader lock on the server, or null. */
  lockHolder(): LockHolder;
  /** Every fencing token handed out, in order of acquisition. */
  fencedTokens(): bigint[];
  /** Every acquisition of the lock: who, with which token, when. */
  lockHistory(): readonly LockGrant[];
  /** The server's revision: grows by one with every write. */
  revision(): bigint;
  /** Leases alive on the server, including those of crashed nodes still waiting out their TTL. */
  liveLeases(): number;
  /** Cancels every timer of the cluster (leases, renewals, deliveries); use it in afterEach. */
  dispose(): void;
}

export const DEFAULT_MEMORY_CAPABILITIES: BackendCapabilities = Object.freeze({
  lock: true,
  minTtlMs: 1000,
  maxTtlMs: 3_600_000,
  wholeSecondTtl: false,
  defaultTtlMs: 5000,
});

export function createMemoryCluster(options: MemoryClusterOptions = {}): MemoryCluster {
  const clock = options.clock ?? systemClock;
  const capabilities: BackendCapabilities = Object.freeze({
    ...DEFAULT_MEMORY_CAPABILITIES,
    ...options.capabilities,
  });
  const server = new MemoryServer(clock);
  const network = new Network(options.random ?? Math.random);
  const sessions = new Set<MemorySession>();
  const backends = new Set<MemoryBackend>();
  const sessionsOf = (id: string) => [...sessions].filter((session) => session.memberId === id);

  return {
    capabilities,
    backend() {
      const backend = new MemoryBackend({
        server,
        network,
        clock,
        capabilities,
        track: (session) => sessions.add(session),
        untrack: (session) => sessions.delete(session),
      });
      backends.add(backend);
      return backend;
    },
    expire(id) {
      const leaseId = server.leaseOf(id);
      if (leaseId === undefined) {
        throw new LifecycleError(`expire("${id}"): no live lease is registered for that id.`, {
          source: SOURCE,
        });
      }
      server.expire(leaseId);
    },
    partition: (id) => network.partition(id),
    heal(id) {
      if (!network.heal(id)) return;
      for (const session of sessionsOf(id)) session.healed();
    },
    delay(ms, delayOptions) {
      if (!Number.isFinite(ms) || ms < 0) {
        throw new ConfigurationError(`delay(ms): ms must be a finite number >= 0, got ${ms}.`, {
          source: SOURCE,
        });
      }
      network.setDelay(ms, delayOptions);
    },
    latency(ms, latencyOptions) {
      if (!Number.isFinite(ms) || ms < 0) {
        throw new ConfigurationError(`latency(ms): ms must be a finite number >= 0, got ${ms}.`, {
          source: SOURCE,
        });
      }
      network.setLatency(ms, latencyOptions);
    },
    members: () => server.members(),
    lockHolder: () => server.holder(),
    fencedTokens: () => server.lockGrants().map((grant) => grant.token),
    lockHistory: () => server.lockGrants(),
    revision: () => server.revision(),
    liveLeases: () => server.liveLeases(),
    dispose() {
      for (const backend of backends) void backend.close();
      server.dispose();
    },
  };
}
