import { startEtcd, startPostgres } from '@election/tools';
import pg from 'pg';
import { scrapeWalFsyncMeanMs } from '../etcd/metrics.js';
import { measureWriteRoundTrip } from '../etcd/round-trip.js';
import { measureStatements } from '../load/count-statements.js';
import { type LoadRow, measureLoad } from '../load/measure-load.js';
import type { NodeBackend } from '../nodes/node-args.js';
import type { NodeProcess } from '../util/node-process.js';
import { median } from '../util/stats.js';

/** The store one subject's nodes run on, started for that subject alone. */
export interface BenchServer {
  readonly backend: NodeBackend;
  /** What the nodes get as `--endpoint`. */
  readonly endpoint: string;
  /** Steady-state load of `nodes` over `windowMs`, per node per minute. */
  load(label: string, nodes: readonly NodeProcess[], windowMs: number): Promise<LoadRow>;
  /** Median round trip of one plain write (etcd put, PostgreSQL committed update), ms. */
  writeRoundTripMs(): Promise<number>;
  /** etcd's mean WAL fsync, ms; NaN for PostgreSQL (it has no such counter). */
  walFsyncMeanMs(): Promise<number>;
  stop(): Promise<void>;
}

export async function startBenchServer(backend: NodeBackend): Promise<BenchServer> {
  if (backend === 'postgres') {
    // Durable (WAL flushed at each commit) as etcd is, and never POSTGRES_URL's server.
    const server = await startPostgres({ external: false, durable: true });
    return {
      backend,
      endpoint: server.url,
      load: measureStatements,
      writeRoundTripMs: () => measureCommitRoundTrip(server.url),
      walFsyncMeanMs: async () => Number.NaN,
      stop: () => server.stop(),
    };
  }
  const server = await startEtcd();
  const endpoint = server.endpoints[0] as string;
  return {
    backend,
    endpoint,
    load: (label, nodes, windowMs) => measureLoad(label, endpoint, nodes.length, windowMs),
    writeRoundTripMs: () => measureWriteRoundTrip(endpoint),
    walFsyncMeanMs: () => scrapeWalFsyncMeanMs(endpoint),
    stop: () => server.stop(),
  };
}

/** Median time of one committed single-row update (one WAL flush), ms: the floor under any handover. */
async function measureCommitRoundTrip(url: string, samples = 30): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    // A plain table: a temporary one writes no WAL, so its commits would wait for no flush.
    await client.query('create table bench_round_trip (v int); insert into bench_round_trip values (0)');
    const times: number[] = [];
    for (let i = 0; i < samples; i++) {
      const start = performance.now();
      await client.query('update bench_round_trip set v = $1', [i]);
      times.push(performance.now() - start);
    }
    return median(times);
  } finally {
    await client.end();
  }
}
