import type { NodeBackend } from '../nodes/node-args.js';
import type { NodeEvent } from '../nodes/report.js';
import { type NodeProcess, spawnNode } from '../util/node-process.js';
import { waitFor } from '../util/wait-for.js';

/** Which node implementation a cluster runs: one of those compared in the failover table. */
export interface Subject {
  /** Row label, e.g. "@election/etcd (confirmed)". */
  readonly label: string;
  /** Absolute path of the node script. */
  readonly script: string;
  readonly extraArgs?: readonly string[];
  /** The store its nodes run on (default etcd); passed to the node as `--backend` when set. */
  readonly backend?: NodeBackend;
  /**
   * Wait a uniformly random 0..this ms before each fault. A polling subject's failover time depends
   * on where in its poll cycle the fault lands; without this, rounds would all land at one phase.
   */
  readonly faultJitterMs?: number;
}

export interface ClusterOptions {
  readonly subject: Subject;
  /** etcd client URL or PostgreSQL connection string. */
  readonly endpoint: string;
  readonly election: string;
  readonly ttlSeconds: number;
}

/**
 * A set of node processes of one subject on one store. New nodes get ids that sort after every id
 * used before, so a replacement never takes leadership back: each round faults the current leader
 * and hands to the next in line, the same for all three subjects.
 */
export class Cluster {
  private counter = 0;
  readonly nodes: NodeProcess[] = [];

  constructor(private readonly options: ClusterOptions) {}

  /** Starts the next node; `extraArgs` for this one only (a priority, say). */
  add(extraArgs: readonly string[] = []): NodeProcess {
    this.counter += 1;
    const id = `node-${String(this.counter).padStart(4, '0')}`;
    const { subject, endpoint, election, ttlSeconds } = this.options;
    const node = spawnNode({
      id,
      script: subject.script,
      args: [
        '--id',
        id,
        '--endpoint',
        endpoint,
        '--election',
        election,
        '--ttl',
        String(ttlSeconds),
        ...(subject.backend === undefined ? [] : ['--backend', subject.backend]),
        ...(subject.extraArgs ?? []),
        ...extraArgs,
      ],
    });
    this.nodes.push(node);
    return node;
  }

  alive(): NodeProcess[] {
    return this.nodes.filter((node) => node.alive);
  }

  /** Waits until one live node says it was elected and every live node names it as leader. */
  async stableLeader(timeoutMs: number): Promise<NodeProcess> {
    return waitFor(
      `${this.options.subject.label}: one leader known to all`,
      () => {
        const alive = this.alive();
        const leader = alive.find((node) => isLeading(node.events));
        if (leader === undefined) return undefined;
        return alive.every((node) => lastLeaderId(node.events) === leader.id) ? leader : undefined;
      },
      timeoutMs,
    );
  }

  async stopAll(): Promise<void> {
    for (const node of this.alive()) node.signal('SIGKILL');
    await Promise.all(this.nodes.map((node) => node.exited));
  }
}

/** True when the node's latest elected/demoted event is `elected`. */
export function isLeading(events: readonly NodeEvent[]): boolean {
  for (let i = events.length - 1; i >= 0; i--) {
    const type = events[i]?.type;
    if (type === 'elected') return true;
    if (type === 'demoted' || type === 'stopping') return false;
  }
  return false;
}

export function lastLeaderId(events: readonly NodeEvent[]): string | null | undefined {
  for (let i = events.length - 1; i >= 0; i--) {
    const event = events[i] as NodeEvent;
    if (event.type === 'leader') return (event.leaderId as string | null) ?? null;
  }
  return undefined;
}
