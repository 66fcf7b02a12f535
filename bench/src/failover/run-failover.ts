import type { NodeEvent } from '../nodes/report.js';
import type { NodeProcess } from '../util/node-process.js';
import { delay, waitFor } from '../util/wait-for.js';
import { Cluster, type ClusterOptions } from './cluster.js';

export type Fault = 'graceful' | 'crash';

export interface FailoverOptions extends ClusterOptions {
  readonly fault: Fault;
  readonly rounds: number;
  readonly size: number;
  /** Called after the rounds with the cluster still up (the steady-state load is measured there). */
  readonly whileStable?: (cluster: Cluster) => Promise<void>;
}

export interface FailoverResult {
  /** ms from the fault to the new leader's own `elected` event. */
  readonly elected: number[];
  /** ms from the fault until every surviving node names the new leader. */
  readonly allKnow: number[];
  /** Graceful rounds: ms from SIGTERM until the node's stop handler ran (signal delivery, event loop). */
  readonly toStopHandler: number[];
}

/**
 * Faults the current leader (SIGTERM → the node's graceful leave, or SIGKILL) `rounds` times and
 * measures, from node-reported shared-clock timestamps, when a new leader exists and when all know it.
 */
export async function runFailover(options: FailoverOptions): Promise<FailoverResult> {
  const cluster = new Cluster(options);
  const result: FailoverResult = { elected: [], allKnow: [], toStopHandler: [] };
  const newLeaderTimeout = (options.ttlSeconds + 15) * 1000;
  try {
    // One at a time: the etcd3 observer can name the wrong leader when several campaign keys land in
    // one watch batch (it keeps the last put of the batch), which would stall this setup, not a round.
    for (let i = 0; i < options.size; i++)
      await cluster.add().waitForEvent((e) => e.type === 'ready', 30_000);
    let leader = await cluster.stableLeader(30_000);
    for (let round = 0; round < options.rounds; round++) {
      await delay(Math.random() * (options.subject.faultJitterMs ?? 0));
      const survivors = cluster.alive().filter((node) => node !== leader);
      const leaderMark = leader.events.length;
      const marks = new Map(survivors.map((node) => [node, node.events.length]));
      const faultAt = leader.signal(options.fault === 'crash' ? 'SIGKILL' : 'SIGTERM');
      // A crash round waits out a TTL anyway: start the replacement (its id sorts last, so it cannot
      // lead) during that wait. A graceful round is milliseconds; nothing else may run during it.
      if (options.fault === 'crash') cluster.add();
      const elected = await firstElected(survivors, marks, newLeaderTimeout);
      const next = survivors.find((node) => node.id === elected.node) as NodeProcess;
      const known = await Promise.all(
        survivors.map((node) =>
          node.waitForEvent(
            (e) => e.type === 'leader' && e.leaderId === next.id,
            newLeaderTimeout,
            marks.get(node),
          ),
        ),
      );
      result.elected.push(elected.t - faultAt);
      result.allKnow.push(Math.max(...known.map((event) => event.t)) - faultAt);
      await leader.exited;
      const stopping = leader.events.slice(leaderMark).find((event) => event.type === 'stopping');
      if (stopping !== undefined) result.toStopHandler.push(stopping.t - faultAt);
      if (options.fault === 'graceful') cluster.add();
      leader = await cluster.stableLeader(newLeaderTimeout);
      // Let the replacement's join traffic settle so rounds do not overlap.
      await delay(200);
    }
    await options.whileStable?.(cluster);
    return result;
  } finally {
    await cluster.stopAll();
  }
}

/** The earliest `elected` any of `survivors` reported after its mark. */
export async function firstElected(
  survivors: readonly NodeProcess[],
  marks: ReadonlyMap<NodeProcess, number>,
  timeoutMs: number,
): Promise<NodeEvent> {
  return waitFor(
    'a new leader',
    () => {
      let first: NodeEvent | undefined;
      for (const node of survivors) {
        const events = node.events;
        for (let i = marks.get(node) ?? 0; i < events.length; i++) {
          const event = events[i] as NodeEvent;
          if (event.type === 'elected' && (first === undefined || event.t < first.t)) first = event;
        }
      }
      return first;
    },
    timeoutMs,
    5,
  );
}
