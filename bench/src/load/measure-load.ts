import { diffCounters, scrapeGrpcMetrics } from '../etcd/metrics.js';
import { delay } from '../util/wait-for.js';

export interface LoadRow {
  readonly label: string;
  readonly nodes: number;
  readonly windowMs: number;
  /** Requests per node per minute, by kind (etcd: gRPC `Service/Method`; PostgreSQL: statement). */
  readonly perNodePerMinute: ReadonlyMap<string, number>;
}

/**
 * Counters read before and after a quiet window (no faults, no joins), their growth scaled to one
 * node and one minute.
 */
export async function measureWindow(
  label: string,
  nodes: number,
  windowMs: number,
  read: () => Promise<ReadonlyMap<string, number>>,
): Promise<LoadRow> {
  const before = await read();
  const started = performance.now();
  await delay(windowMs);
  const after = await read();
  const elapsed = performance.now() - started;
  const perNodePerMinute = new Map<string, number>();
  for (const [kind, count] of diffCounters(before, after))
    perNodePerMinute.set(kind, (count / nodes) * (60_000 / elapsed));
  return { label, nodes, windowMs: elapsed, perNodePerMinute };
}

/**
 * Steady-state load as etcd itself counts it: the server's gRPC message counters over a quiet
 * window. Only this subject's nodes talk to this etcd during the window, and the scrape is plain
 * HTTP, so it is not counted.
 */
export function measureLoad(
  label: string,
  endpoint: string,
  nodes: number,
  windowMs: number,
): Promise<LoadRow> {
  return measureWindow(label, nodes, windowMs, async () => (await scrapeGrpcMetrics(endpoint)).received);
}
