import type { EtcdServer } from '@election/tools';
import { sharedNow } from '../util/clock.js';
import type { NodeProcess } from '../util/node-process.js';
import { delay } from '../util/wait-for.js';
import type { ChaosCluster } from './chaos-cluster.js';
import type { FaultRecord } from './history.js';
import type { PlannedFault } from './schedule.js';

export interface FaultContext {
  readonly cluster: ChaosCluster;
  readonly etcd: EtcdServer;
  readonly nodes: readonly string[];
}

/** Carries out one planned fault, including its recovery (restart, SIGCONT, etcd back up). */
export async function injectFault(planned: PlannedFault, context: FaultContext): Promise<FaultRecord> {
  const { cluster, etcd, nodes } = context;
  if (planned.kind === 'etcd-kill') {
    const at = sharedNow();
    const wasLeader = cluster.leaders(at).length > 0;
    await etcd.kill('SIGKILL');
    await delay(planned.downMs);
    await etcd.restart();
    return {
      kind: 'etcd-kill',
      target: 'etcd',
      targetWasLeader: wasLeader,
      at,
      expectLeaderFrom: sharedNow(),
    };
  }
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
