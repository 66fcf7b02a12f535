import { startEtcd } from '@election/tools';
import type { NodeProcess } from '../util/node-process.js';
import { type Summary, summarize } from '../util/stats.js';
import { delay } from '../util/wait-for.js';
import { Cluster, type Subject } from './cluster.js';
import { CLUSTER_SIZE, FAILOVER_TTL_SECONDS } from './measure-subject.js';
import { firstElected } from './run-failover.js';

/** Ranked handovers of this library (etcd3's recipe has no ranks): what the direct transfer serves. */
export type RankedFault = 'handback' | 'switchover';

export interface RankedRow {
  readonly subject: string;
  readonly fault: RankedFault;
  /**
   * handback: the outranked leader's `demoted` (handover) → the better-ranked newcomer's `elected`;
   * switchover: SIGUSR2 (the leader lowers its own rank with setPriority) → the successor's `elected`.
   */
  readonly elected: Summary;
}

const TIMEOUT_MS = (FAILOVER_TTL_SECONDS + 15) * 1000;

/**
 * `rounds` hand-backs (a member that outranks the leader joins: the leader hands it the lock) or
 * switchovers (the leader is sent SIGUSR2 and lowers its own priority below everyone's: it hands
 * over to the next), 3 nodes on an etcd of their own.
 */
export async function measureRanked(
  subject: Subject,
  fault: RankedFault,
  rounds: number,
): Promise<RankedRow> {
  const etcd = await startEtcd();
  const cluster = new Cluster({
    subject,
    endpoint: etcd.endpoints[0] as string,
    election: `bench-${fault}`,
    ttlSeconds: FAILOVER_TTL_SECONDS,
  });
  const samples: number[] = [];
  try {
    for (let i = 0; i < CLUSTER_SIZE; i++)
      await cluster.add().waitForEvent((e) => e.type === 'ready', 30_000);
    let leader = await cluster.stableLeader(30_000);
    for (let round = 1; round <= rounds; round++) {
      const survivors = cluster.alive().filter((node) => node !== leader);
      const leaderMark = leader.events.length;
      if (fault === 'handback') {
        // Lower priority leads: each newcomer outranks everyone before it.
        const newcomer = cluster.add([`--priority=${-round}`]); // '=' : a value starting with '-'
        const elected = await newcomer.waitForEvent((e) => e.type === 'elected', TIMEOUT_MS);
        const demoted = await leader.waitForEvent((e) => e.type === 'demoted', TIMEOUT_MS, leaderMark);
        samples.push(elected.t - demoted.t);
        leader = await cluster.stableLeader(TIMEOUT_MS);
        // Back to three: the oldest follower leaves gracefully.
        const oldest = cluster.alive().find((node) => node !== leader) as NodeProcess;
        oldest.signal('SIGTERM');
        await oldest.exited;
      } else {
        const marks = new Map(survivors.map((node) => [node, node.events.length]));
        const sentAt = leader.signal('SIGUSR2');
        const elected = await firstElected(survivors, marks, TIMEOUT_MS);
        samples.push(elected.t - sentAt);
        leader = await cluster.stableLeader(TIMEOUT_MS);
      }
      await delay(200);
    }
    return { subject: subject.label, fault, elected: summarize(samples) };
  } finally {
    await cluster.stopAll();
    await etcd.stop();
  }
}
