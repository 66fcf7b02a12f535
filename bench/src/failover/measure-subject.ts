import type { LoadRow } from '../load/measure-load.js';
import type { NodeBackend } from '../nodes/node-args.js';
import { type Summary, summarize } from '../util/stats.js';
import { startBenchServer } from './bench-server.js';
import type { Subject } from './cluster.js';
import { type Fault, runFailover } from './run-failover.js';

export const FAILOVER_TTL_SECONDS = 2;
export const CLUSTER_SIZE = 3;

export interface FailoverRow {
  readonly subject: string;
  /** The store the subject ran on. */
  readonly backend: NodeBackend;
  readonly fault: Fault;
  /** Fault → the new leader's own `elected`, ms. */
  readonly elected: Summary;
  /** Fault → every surviving node names the new leader, ms. */
  readonly allKnow: Summary;
  /** Graceful only: SIGTERM → the node's stop handler began, ms (part of "new leader"). */
  readonly toStopHandler: Summary;
  /** Mean etcd WAL fsync over the run, ms: each write (revoke, lock txn) waits for one (NaN on PostgreSQL). */
  readonly walFsyncMeanMs: number;
  /** Median plain write round trip on this store after the run (etcd put, PostgreSQL commit), ms. */
  readonly writeRoundTripMs: number;
}

export interface SubjectResult {
  readonly failover: FailoverRow;
  readonly load?: LoadRow;
}

/** One subject, one fault kind, on a store of its own; optionally the steady-state load after. */
export async function measureSubject(
  subject: Subject,
  fault: Fault,
  options: { readonly rounds: number; readonly loadWindowMs?: number },
): Promise<SubjectResult> {
  const server = await startBenchServer(subject.backend ?? 'etcd');
  const endpoint = server.endpoint;
  let load: LoadRow | undefined;
  try {
    const result = await runFailover({
      subject,
      endpoint,
      election: `bench-${fault}`,
      ttlSeconds: FAILOVER_TTL_SECONDS,
      fault,
      rounds: options.rounds,
      size: CLUSTER_SIZE,
      whileStable:
        options.loadWindowMs === undefined
          ? undefined
          : async (cluster) => {
              load = await server.load(subject.label, cluster.alive(), options.loadWindowMs as number);
            },
    });
    const walFsyncMeanMs = await server.walFsyncMeanMs().catch(() => Number.NaN);
    const writeRoundTripMs = await server.writeRoundTripMs().catch(() => Number.NaN);
    return {
      failover: {
        subject: subject.label,
        backend: server.backend,
        fault,
        elected: summarize(result.elected),
        allKnow: summarize(result.allKnow),
        toStopHandler: summarize(result.toStopHandler),
        walFsyncMeanMs,
        writeRoundTripMs,
      },
      load,
    };
  } finally {
    await server.stop();
  }
}
