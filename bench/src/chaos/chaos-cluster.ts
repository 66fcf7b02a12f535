import { fileURLToPath } from 'node:url';
import type { NodeBackend } from '../nodes/node-args.js';
import type { NodeEvent } from '../nodes/report.js';
import { sharedNow } from '../util/clock.js';
import { type NodeProcess, spawnNode } from '../util/node-process.js';
import type { ProcessLog } from './build-intervals.js';
import type { Unavailability } from './history.js';

const NODE_SCRIPT = fileURLToPath(new URL('../nodes/library-node.ts', import.meta.url));

export interface ChaosClusterOptions {
  readonly backend: NodeBackend;
  /** etcd client URL or PostgreSQL connection string. */
  readonly endpoint: string;
  readonly resourceUrl: string;
  readonly ttlSeconds: number;
  readonly election: string;
  readonly writeEveryMs: number;
  /** The elector mode of the nodes; `view` is only for showing that the checker catches it. */
  readonly mode: 'confirmed' | 'view';
}

/** The chaos run's node processes: fixed ids n1…nN, each restart a new incarnation with its own log. */
export class ChaosCluster {
  readonly logs: ProcessLog[] = [];
  readonly unavailable: Unavailability[] = [];
  private readonly current = new Map<string, NodeProcess>();
  private readonly paused = new Set<NodeProcess>();
  private readonly procNames = new Map<NodeProcess, string>();

  constructor(private readonly options: ChaosClusterOptions) {}

  start(node: string): NodeProcess {
    const incarnation = this.logs.filter((log) => log.node === node).length + 1;
    const proc = `${node}#${incarnation}`;
    const { backend, endpoint, resourceUrl, ttlSeconds, election, writeEveryMs, mode } = this.options;
    const child = spawnNode({
      id: node,
      script: NODE_SCRIPT,
      args: [
        '--id',
        node,
        '--endpoint',
        endpoint,
        '--backend',
        backend,
        '--election',
        election,
        '--ttl',
        String(ttlSeconds),
        '--resource',
        resourceUrl,
        '--proc',
        proc,
        '--write-every-ms',
        String(writeEveryMs),
        '--mode',
        mode,
      ],
    });
    this.logs.push({ node, proc, events: child.events });
    this.current.set(node, child);
    this.procNames.set(child, proc);
    return child;
  }

  process(node: string): NodeProcess | undefined {
    return this.current.get(node);
  }

  procName(child: NodeProcess): string {
    return this.procNames.get(child) ?? child.id;
  }

  /** Marks a process as gone for good from `at` (killed, or asked to leave). */
  gone(child: NodeProcess, at: number): void {
    this.unavailable.push({ proc: this.procName(child), from: at, to: null });
  }

  pause(child: NodeProcess): number {
    const at = child.signal('SIGSTOP');
    this.paused.add(child);
    return at;
  }

  resume(child: NodeProcess, pausedAt: number): void {
    const at = child.signal('SIGCONT');
    this.paused.delete(child);
    this.unavailable.push({ proc: this.procName(child), from: pausedAt, to: at });
  }

  /** Nodes whose live, running process currently claims leadership (by its own events and deadline). */
  leaders(now = sharedNow()): string[] {
    const leading: string[] = [];
    for (const [node, child] of this.current) {
      if (child.alive && !this.paused.has(child) && claimsLeadership(child.events, now)) leading.push(node);
    }
    return leading;
  }

  async stopAll(): Promise<void> {
    for (const child of this.current.values()) {
      if (this.paused.has(child)) child.signal('SIGCONT');
      child.signal('SIGTERM');
    }
    const exits = [...this.current.values()].map((child) => child.exited);
    const timer = setTimeout(() => {
      for (const child of this.current.values()) child.signal('SIGKILL');
    }, 5000);
    await Promise.all(exits);
    clearTimeout(timer);
  }
}

function claimsLeadership(events: readonly NodeEvent[], now: number): boolean {
  let deadline = Number.NEGATIVE_INFINITY;
  for (let i = events.length - 1; i >= 0; i--) {
    const event = events[i] as NodeEvent;
    if (event.type === 'deadline' || event.type === 'elected')
      deadline = Math.max(deadline, Number(event.deadline));
    if (event.type === 'demoted' || event.type === 'stopping') return false;
    if (event.type === 'elected') return deadline > now;
  }
  return false;
}
