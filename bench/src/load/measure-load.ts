import { diffCounters, scrapeGrpcMetrics } from '../etcd/metrics.js';
import { delay } from '../util/wait-for.js';

export interface LoadRow {
  readonly label: string;
  readonly nodes: number;
  readonly windowMs: number;
  /** gRPC messages etcd received per node per minute, by `Service/Method`. */
  readonly perNodePerMinute: ReadonlyMap<string, number>;
}

/**
 * Steady-state load as etcd itself counts it: the server's gRPC message counters over a quiet
 * window (no faults, no joins), scaled to one node and one minute. Only this subject's nodes talk
 * to this etcd during the window, and the scrape is plain HTTP, so it is not counted.
 */
export async function measureLoad(
  label: string,
  endpoint: string,
  nodes: number,
  windowMs: number,
): Promise<LoadRow> {
  const before = await scrapeGrpcMetrics(endpoint);
  const started = performance.now();
  await delay(windowMs);
  const after = await scrapeGrpcMetrics(endpoint);
  const elapsed = performance.now() - started;
  const delta = diffCounters(before.received, after.received);
  const perNodePerMinute = new Map<string, number>();
  for (const [method, count] of delta) perNodePerMinute.set(method, (count / nodes) * (60_000 / elapsed));
  return { label, nodes, windowMs: elapsed, perNodePerMinute };
}
