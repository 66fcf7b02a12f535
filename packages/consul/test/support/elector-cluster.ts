import {
  createElector,
  type Elector,
  type ElectorEvent,
  type Logger,
  type MembershipBackend,
} from '@election/core';
import { waitFor } from '@election/testing';
import { type ConsulMembershipOptions, createConsulMembership } from '../../src/index.js';
import { encodeKeySegment } from '../../src/keys.js';
import { type ConsulTarget, uniqueElection } from './consul-target.js';

export interface NodeOptions {
  readonly priority?: number;
  readonly takeover?: boolean;
  readonly logger?: Logger;
  /** Core's safety net; tests that must not be rescued by it set it far out. */
  readonly resyncIntervalMs?: number;
  readonly agent?: { readonly host: string; readonly port: number };
}

interface Node {
  readonly elector: Elector;
  readonly backend: MembershipBackend;
  readonly events: ElectorEvent[];
  running: boolean;
}

/** Electors from @election/core on the Consul adapter, one backend (one client) each, in one election. */
export class ElectorCluster {
  readonly election = uniqueElection('faults');
  private readonly nodes: Node[] = [];

  constructor(
    readonly target: ConsulTarget,
    readonly ttlMs = 10_000,
    /** Wraps each node's backend before the elector sees it (see short-ttl.ts). */
    private readonly wrap: (backend: MembershipBackend) => MembershipBackend = (backend) => backend,
    /** Adapter options every node gets (lockDelaySeconds, sessionChecks, …). */
    private readonly membership: ConsulMembershipOptions = {},
  ) {}

  /**
   * A node with its own backend (its own client), as a separate process would have. `agent`: the
   * host and port of the Consul agent it talks to (default: the target's), e.g. a simulated agent
   * on a node of its own.
   */
  create(id: string, options: NodeOptions = {}): Elector {
    const { agent, ...electorOptions } = options;
    const backend = this.wrap(
      createConsulMembership(
        this.target.membershipOptions({
          election: this.election,
          ...this.membership,
          ...(agent === undefined ? {} : { host: agent.host, port: agent.port }),
        }),
      ),
    );
    const elector = createElector({ id, membership: backend, ttlMs: this.ttlMs, ...electorOptions });
    const node: Node = { elector, backend, events: [], running: true };
    elector.subscribe((event) => node.events.push(event));
    this.nodes.push(node);
    return elector;
  }

  async start(id: string, options: NodeOptions = {}): Promise<Elector> {
    const elector = this.create(id, options);
    await elector.start();
    return elector;
  }

  async stop(elector: Elector, resign: boolean): Promise<void> {
    const node = this.node(elector);
    node.running = false;
    await elector.stop({ resign });
  }

  byId(id: string): Elector {
    const node = this.nodes.find((n) => n.elector.id === id);
    if (!node) throw new Error(`no elector ${id}`);
    return node.elector;
  }

  eventsOf(elector: Elector): readonly ElectorEvent[] {
    return this.node(elector).events;
  }

  running(): Elector[] {
    return this.nodes.filter((n) => n.running).map((n) => n.elector);
  }

  /** Every running elector names `id` as leader, and `id` itself leads. */
  agreeOn(id: string): boolean {
    const running = this.running();
    return (
      running.length > 0 &&
      running.every((e) => e.state.leaderId === id && e.state.isLeader === (e.id === id))
    );
  }

  async waitForLeader(id: string, timeoutMs: number): Promise<void> {
    await waitFor(() => this.agreeOn(id), {
      timeoutMs,
      stepMs: 5,
      message: `every running node to agree that ${id} leads`,
      describe: () => this.describe(),
    });
  }

  describe(): string {
    return this.running()
      .map(
        (e) =>
          `${e.id}: ${e.state.phase}, leader ${e.state.leaderId ?? 'none'}, term ${e.state.term ?? 'none'}`,
      )
      .join('; ');
  }

  /** The Consul session that holds `id`'s member key right now. */
  async sessionOf(id: string): Promise<string> {
    const prefix = this.target.membershipOptions().prefix ?? 'election';
    const key = `${prefix}/${this.election}/members/${encodeKeySegment(id)}`;
    const entry = (await this.target.admin.kv.get(key)) as { Session?: string } | undefined;
    if (!entry?.Session) throw new Error(`no session holds ${id}'s member key`);
    return entry.Session;
  }

  async cleanup(): Promise<void> {
    for (const node of this.nodes) {
      node.running = false;
      await node.elector.stop({ resign: true });
      await node.backend.close();
    }
  }

  private node(elector: Elector): Node {
    const node = this.nodes.find((n) => n.elector === elector);
    if (!node) throw new Error(`unknown elector ${elector.id}`);
    return node;
  }
}

/**
 * Watches that at most one running elector leads, every `stepMs`, until stopped; returns the
 * moments two led at once (empty when none did).
 */
export function watchOverlap(c: ElectorCluster, stepMs = 2): () => string[] {
  const overlaps: string[] = [];
  const timer = setInterval(() => {
    const leaders = c.running().filter((e) => e.state.isLeader);
    if (leaders.length > 1) overlaps.push(`${leaders.map((e) => e.id).join(' and ')} at ${Date.now()}`);
  }, stepMs);
  return () => {
    clearInterval(timer);
    return overlaps;
  };
}

/** One labelled measurement, printed so test logs carry the figures. */
export function reportFigure(target: ConsulTarget, what: string, ms: number, bound: string): void {
  console.info(`[failover figure] ${target.label}: ${what}: ${(ms / 1000).toFixed(2)} s (bound ${bound})`);
}
