import type { TestServer } from '@election/tools';
import { sharedNow } from '../util/clock.js';
import type { NodeProcess } from '../util/node-process.js';
import { delay } from '../util/wait-for.js';
import type { ChaosCluster } from './chaos-cluster.js';
import type { FaultRecord, ServerFaultKind } from './history.js';
import type { PlannedFault } from './schedule.js';

export interface FaultContext {
  readonly cluster: ChaosCluster;
  /** The database the nodes use (etcd or PostgreSQL), and its name as a fault's target. */
  readonly server: TestServer;
  readonly serverName: string;
  readonly nodes: readonly string[];
}

const SERVER_FAULTS: ReadonlySet<string> = new Set<ServerFaultKind>([
  'etcd-kill',
  'db-kill',
  'db-pause',
  'db-restart',
]);

/** Carries out one planned fault, including its recovery (restart, SIGCONT, the database back up). */
export async function injectFault(planned: PlannedFault, context: FaultContext): Promise<FaultRecord> {
  const { cluster, nodes } = context;
  if (SERVER_FAULTS.has(planned.kind)) return injectServerFault(planned, context);
  const leaders = cluster.leaders();
  const target =
    planned.atLeader && leaders.length === 1
      ? (leaders[0] as string)
      : (nodes[Math.floor(planned.pick * nodes.length)] as string);
  const child = cluster.process(target) as NodeProcess;
  const targetWasLeader = leaders.includes(target);
  if (planned.kind === 'pause') {
    const at = cluster.pause(child);
    await delay(planned.downMs);
    cluster.resume(child, at);
    return { kind: 'pause', target, targetWasLeader, at, expectLeaderFrom: at };
  }
  const at = child.signal(planned.kind === 'kill' ? 'SIGKILL' : 'SIGTERM');
  cluster.gone(child, at);
  const forceKill = setTimeout(() => child.signal('SIGKILL'), 5000);
  await child.exited;
  clearTimeout(forceKill);
  await delay(planned.downMs);
  cluster.start(target);
  return { kind: planned.kind, target, targetWasLeader, at, expectLeaderFrom: at };
}

/**
 * SIGKILL (the server and every worker of its process group) and restart; SIGSTOP and SIGCONT;
 * or a fast shutdown (SIGINT: sessions are ended, the server exits) and a start on the same data.
 * A single leader is expected from when the database is back.
 */
async function injectServerFault(planned: PlannedFault, context: FaultContext): Promise<FaultRecord> {
  const { cluster, server } = context;
  const at = sharedNow();
  const wasLeader = cluster.leaders(at).length > 0;
  if (planned.kind === 'db-pause') {
    await server.kill('SIGSTOP');
    await delay(planned.downMs);
    await server.kill('SIGCONT');
  } else {
    await server.kill(planned.kind === 'db-restart' ? 'SIGINT' : 'SIGKILL');
    await delay(planned.downMs);
    await server.restart();
  }
  return {
    kind: planned.kind,
    target: context.serverName,
    targetWasLeader: wasLeader,
    at,
    expectLeaderFrom: sharedNow(),
  };
}
