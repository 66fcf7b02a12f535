import { startEtcd, startPostgres, type TestServer } from '@election/tools';
import type { NodeBackend } from '../nodes/node-args.js';
import { sharedNow } from '../util/clock.js';
import { delay, waitFor } from '../util/wait-for.js';
import { buildIntervals, type ProcessLog } from './build-intervals.js';
import { ChaosCluster } from './chaos-cluster.js';
import { checkHistory } from './check-history.js';
import { startFencedResource } from './fenced-resource.js';
import type { ChaosHistory, FaultRecord, Verdict } from './history.js';
import { injectFault } from './inject-fault.js';
import { LeaderSampler } from './leader-sampler.js';
import { planFaults } from './schedule.js';

export const CHAOS_TTL_SECONDS = 2;
export const GRACE_MS = 1000;

export interface ChaosOptions {
  /** What the nodes run on: a local etcd, or a local PostgreSQL (always one this run starts). */
  readonly backend?: NodeBackend;
  readonly faults: number;
  readonly seed: number;
  readonly nodes: number;
  readonly mode: 'confirmed' | 'view';
  /** Aborting ends the fault schedule early; nodes and etcd are still cleaned up. */
  readonly signal?: AbortSignal;
  readonly log: (line: string) => void;
}

export interface ChaosResult {
  readonly history: ChaosHistory;
  /** Every event every node process printed, for digging into a violation. */
  readonly logs: readonly ProcessLog[];
  readonly verdict: Verdict;
  /** Per fault: ms from the fault (or the database's return) until the orchestrator saw one leader; null if it did not. */
  readonly recoveries: readonly (number | null)[];
}

/**
 * Five nodes of this library on one etcd (or PostgreSQL), a seeded schedule of faults, fenced
 * writes throughout; then the checker judges the recorded history.
 */
export async function runChaos(options: ChaosOptions): Promise<ChaosResult> {
  const ttlMs = CHAOS_TTL_SECONDS * 1000;
  const backend = options.backend ?? 'etcd';
  const { server, endpoint } = await startServer(backend);
  const resource = await startFencedResource();
  const nodes = Array.from({ length: options.nodes }, (_, i) => `n${i + 1}`);
  const cluster = new ChaosCluster({
    backend,
    endpoint,
    resourceUrl: resource.url,
    ttlSeconds: CHAOS_TTL_SECONDS,
    election: 'chaos',
    writeEveryMs: 50,
    mode: options.mode,
  });
  const faults: FaultRecord[] = [];
  const recoveries: (number | null)[] = [];
  const started = sharedNow();
  const sampler = new LeaderSampler(cluster);
  try {
    const first = nodes.map((node) => cluster.start(node));
    await Promise.all(first.map((child) => child.waitForEvent((e) => e.type === 'ready', 60_000)));
    await waitFor('a first leader', () => (cluster.leaders().length === 1 ? true : undefined), 60_000, 20);
    const context = { cluster, server, serverName: backend, nodes };
    for (const [index, planned] of planFaults(options.faults, options.seed, ttlMs, backend).entries()) {
      if (options.signal?.aborted) break;
      const record = await injectFault(planned, context);
      faults.push(record);
      const windowEnd = record.expectLeaderFrom + ttlMs + GRACE_MS;
      const recovered = await singleLeaderBy(sampler, record, windowEnd + 500);
      recoveries.push(recovered === undefined ? null : recovered.t - record.expectLeaderFrom);
      options.log(describeFault(index, record, started, recovered));
      await delay(planned.gapMs);
    }
  } finally {
    sampler.stop();
    await cluster.stopAll();
    await resource.close();
    await server.stop();
  }
  const history: ChaosHistory = {
    ttlMs,
    graceMs: GRACE_MS,
    intervals: cluster.logs.flatMap(buildIntervals),
    writes: resource.writes,
    faults,
    unavailable: cluster.unavailable,
  };
  return { history, logs: cluster.logs, verdict: checkHistory(history), recoveries };
}

/** The database of the run, on free loopback ports with a temp data dir; its URL for the nodes. */
async function startServer(backend: NodeBackend): Promise<{ server: TestServer; endpoint: string }> {
  if (backend === 'postgres') {
    // Never POSTGRES_URL's server: the run kills, pauses and restarts it.
    const server = await startPostgres({ external: false });
    return { server, endpoint: server.url };
  }
  const server = await startEtcd();
  return { server, endpoint: server.endpoints[0] as string };
}

/** Waits until the sampler saw a single leader at or after `from`; undefined once `deadline` passed. */
async function singleLeaderBy(
  sampler: LeaderSampler,
  fault: FaultRecord,
  deadline: number,
): Promise<SingleLeader | undefined> {
  for (;;) {
    const found = sampler.singleLeaderSince(fault.expectLeaderFrom, fault.target);
    if (found !== undefined || sharedNow() > deadline) return found;
    await delay(10);
  }
}

type SingleLeader = { readonly t: number; readonly leader: string };

function describeFault(
  index: number,
  record: FaultRecord,
  started: number,
  recovered: SingleLeader | undefined,
): string {
  const when = `+${((record.at - started) / 1000).toFixed(1)}s`.padStart(8);
  const onServer = record.kind === 'etcd-kill' || record.kind.startsWith('db-');
  const target = `${record.target}${record.targetWasLeader && !onServer ? ' (leader)' : ''}`;
  const since = onServer ? `${record.target} was back` : 'the fault';
  const outcome =
    recovered === undefined
      ? `NO single leader within ${CHAOS_TTL_SECONDS * 1000 + GRACE_MS} ms`
      : `${recovered.leader} leads alone ${Math.round(recovered.t - record.expectLeaderFrom)} ms after ${since}`;
  return `#${String(index + 1).padStart(3)} ${when} ${record.kind.padEnd(10)} ${target.padEnd(12)} → ${outcome}`;
}
