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
   * Answers to calls (join, lease renewals, lock.tryAcquire, lock.release) reach every node (or one node) `ms` later
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
  return new InMemoryCluster(options);
}

class InMemoryCluster implements MemoryCluster {
  readonly capabilities: BackendCapabilities;
  readonly #clock: Clock;
  readonly #server: MemoryServer;
  readonly #network: Network;
  readonly #sessions = new Set<MemorySession>();
  readonly #backends = new Set<MemoryBackend>();

  constructor(options: MemoryClusterOptions) {
    this.#clock = options.clock ?? systemClock;
    this.capabilities = Object.freeze({ ...DEFAULT_MEMORY_CAPABILITIES, ...options.capabilities });
    this.#server = new MemoryServer(this.#clock);
    this.#network = new Network(this.#clock, options.random ?? Math.random);
  }

  backend(): MembershipBackend {
    const backend = new MemoryBackend({
      server: this.#server,
      network: this.#network,
      clock: this.#clock,
      capabilities: this.capabilities,
      track: (session) => this.#sessions.add(session),
      untrack: (session) => this.#sessions.delete(session),
    });
    this.#backends.add(backend);
    return backend;
  }

  expire(id: string): void {
    const leaseId = this.#server.leaseOf(id);
    if (leaseId === undefined) {
      throw new LifecycleError(`expire("${id}"): no live lease is registered for that id.`, {
        source: SOURCE,
      });
    }
    this.#server.expire(leaseId);
  }

  partition(id: string): void {
    this.#network.partition(id);
  }

  heal(id: string): void {
    if (!this.#network.heal(id)) return;
    for (const session of this.#sessions) if (session.memberId === id) session.healed();
  }

  delay(ms: number, delayOptions?: DelayOptions): void {
    this.#network.setDelay(checkMs('delay', ms), delayOptions);
  }

  latency(ms: number, latencyOptions?: DelayOptions): void {
    this.#network.setLatency(checkMs('latency', ms), latencyOptions);
  }

  members(): Member[] {
    return this.#server.members();
  }

  lockHolder(): LockHolder {
    return this.#server.holder();
  }

  fencedTokens(): bigint[] {
    return this.#server.lockGrants().map((grant) => grant.token);
  }

  lockHistory(): readonly LockGrant[] {
    return this.#server.lockGrants();
  }

  revision(): bigint {
    return this.#server.revision();
  }

  liveLeases(): number {
    return this.#server.liveLeases();
  }

  dispose(): void {
    for (const backend of this.#backends) void backend.close();
    this.#server.dispose();
  }
}

function checkMs(what: string, ms: number): number {
  if (!Number.isFinite(ms) || ms < 0) {
    throw new ConfigurationError(`${what}(ms): ms must be a finite number >= 0, got ${ms}.`, {
      source: SOURCE,
    });
  }
  return ms;
}
