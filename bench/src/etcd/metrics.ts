/** gRPC counters scraped from etcd's /metrics, keyed by `Service/Method`. */
export type GrpcCounters = ReadonlyMap<string, number>;

export interface GrpcSnapshot {
  /** Messages the server received per method (a stream counts each message; a unary call counts 1). */
  readonly received: GrpcCounters;
  /** Completed RPCs per method (streams count once, when they end). */
  readonly handled: GrpcCounters;
}

const SAMPLE = /^(grpc_server_msg_received_total|grpc_server_handled_total)\{([^}]*)\}\s+([0-9.eE+-]+)$/;
const LABEL = /(\w+)="([^"]*)"/g;

/** Parses the Prometheus text format, summing the two gRPC counters over codes and types. */
export function parseGrpcMetrics(text: string): GrpcSnapshot {
  const received = new Map<string, number>();
  const handled = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = SAMPLE.exec(line.trim());
    if (match === null) continue;
    const [, name, labelText, valueText] = match;
    const labels = new Map<string, string>();
    for (const label of (labelText ?? '').matchAll(LABEL)) labels.set(label[1] ?? '', label[2] ?? '');
    const method = `${shortService(labels.get('grpc_service') ?? '?')}/${labels.get('grpc_method') ?? '?'}`;
    const target = name === 'grpc_server_msg_received_total' ? received : handled;
    target.set(method, (target.get(method) ?? 0) + Number(valueText));
  }
  return { received, handled };
}

function shortService(service: string): string {
  return service
    .replace(/^etcdserverpb\./, '')
    .replace(/^v3electionpb\./, '')
    .replace(/^v3lockpb\./, '');
}

export async function scrapeGrpcMetrics(endpoint: string): Promise<GrpcSnapshot> {
  const response = await fetch(`${endpoint}/metrics`, { signal: AbortSignal.timeout(5000) });
  if (!response.ok) throw new Error(`GET ${endpoint}/metrics answered ${response.status}`);
  return parseGrpcMetrics(await response.text());
}

/** after − before per method, dropping methods that did not move. */
export function diffCounters(before: GrpcCounters, after: GrpcCounters): Map<string, number> {
  const delta = new Map<string, number>();
  for (const [method, value] of after) {
    const change = value - (before.get(method) ?? 0);
    if (change > 0) delta.set(method, change);
  }
  return delta;
}

/** Mean WAL fsync time in ms since etcd started: every write waits for one, so it bounds write latency. */
export async function scrapeWalFsyncMeanMs(endpoint: string): Promise<number> {
  const response = await fetch(`${endpoint}/metrics`, { signal: AbortSignal.timeout(5000) });
  const text = await response.text();
  const read = (name: string) =>
    Number(new RegExp(`^${name}\\s+([0-9.eE+-]+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
  const sum = read('etcd_disk_wal_fsync_duration_seconds_sum');
  const count = read('etcd_disk_wal_fsync_duration_seconds_count');
  return count > 0 ? (sum / count) * 1000 : Number.NaN;
}
