import { startEtcd } from '@election/tools';
import { scrapeWalFsyncMeanMs } from '../etcd/metrics.js';
import { measureWriteRoundTrip } from '../etcd/round-trip.js';
import { type LoadRow, measureLoad } from '../load/measure-load.js';
import { type Summary, summarize } from '../util/stats.js';
import type { Subject } from './cluster.js';
import { type Fault, runFailover } from './run-failover.js';

export const FAILOVER_TTL_SECONDS = 2;
export const CLUSTER_SIZE = 3;

export interface FailoverRow {
  readonly subject: string;
  readonly fault: Fault;
  /** Fault → the new leader's own `elected`, ms. */
  readonly elected: Summary;
  /** Fault → every surviving node names the new leader, ms. */
  readonly allKnow: Summary;
  /** Graceful only: SIGTERM → the node's stop handler began, ms (part of "new leader"). */
  readonly toStopHandler: Summary;
  /** Mean etcd WAL fsync over the run, ms: each write (revoke, lock txn) waits for one. */
  readonly walFsyncMeanMs: number;
  /** Median plain put round trip on this etcd after the run, ms. */
  readonly writeRoundTripMs: number;
}

export interface SubjectResult {
  readonly failover: FailoverRow;
  readonly load?: LoadRow;
}

/** One subject, one fault kind, on an etcd of its own; optionally the steady-state load after. */
export async function measureSubject(
  subject: Subject,
  fault: Fault,
  options: { readonly rounds: number; readonly loadWindowMs?: number },
): Promise<SubjectResult> {
  const etcd = await startEtcd();
  const endpoint = etcd.endpoints[0] as string;
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
              load = await measureLoad(
                subject.label,
                endpoint,
                cluster.alive().length,
                options.loadWindowMs as number,
              );
            },
    });
    const walFsyncMeanMs = await scrapeWalFsyncMeanMs(endpoint).catch(() => Number.NaN);
    const writeRoundTripMs = await measureWriteRoundTrip(endpoint).catch(() => Number.NaN);
    return {
      failover: {
        subject: subject.label,
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
    await etcd.stop();
  }
}
