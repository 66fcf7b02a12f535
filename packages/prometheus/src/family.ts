import { ConfigurationError, type ElectionErrorCode } from '@election/core';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { SOURCE } from './options.js';

/** What one elector contributes at scrape time; `election` is its label value. */
export interface Source {
  readonly election: string;
  readonly backend: string;
  readonly mode: string;
  readonly id: string;
  isLeader(): number;
  term(): number;
  members(): number;
  leaseRemainingSeconds(): number;
  leaderChanges(): number;
  leaderlessSeconds(): number;
  /** Unix seconds since when the current leader leads; 0 with none. */
  leaderSinceSeconds(): number;
  ttlSeconds(): number | undefined;
  /** Unix seconds when the last acknowledged renewal was sent; undefined before the first one. */
  lastRenewalSeconds(): number | undefined;
}

/** The metrics one registry holds for every elector in it, each elector's series under its `election` label. */
export interface Family {
  readonly names: readonly string[];
  readonly sources: Map<string, Source>;
  readonly errors: Counter<'election' | 'code'>;
  readonly renewals: Histogram<'election'>;
  /** Removes the metrics from the registry. */
  remove(): void;
}

/**
 * Renewal round trips, seconds: from a millisecond on loopback to a minute. Renewals time out at a
 * third of the TTL with etcd, a quarter with Consul, so a TTL of a few minutes still has finite
 * buckets above its ElectionRenewalSlow threshold (TTL / 5): histogram_quantile never answers more
 * than the largest finite bucket, and with 10 s the alert could not fire for a TTL above 50 s.
 */
export const RENEWAL_BUCKETS: readonly number[] = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60,
];

/** Error codes counted from the start, so a rate() over them has a zero to start from. */
export const INITIAL_ERROR_CODES: readonly ElectionErrorCode[] = ['BACKEND_UNAVAILABLE', 'SESSION_LOST'];

const families = new WeakMap<Registry, Map<string, Family>>();

/** The family of `prefix` in `registry`, registered on first use. */
export function familyFor(registry: Registry, prefix: string): Family {
  let byPrefix = families.get(registry);
  if (!byPrefix) {
    byPrefix = new Map();
    families.set(registry, byPrefix);
  }
  const existing = byPrefix.get(prefix);
  if (existing) return existing;
  const sources = new Map<string, Source>();
  const name = (suffix: string) => `${prefix}${suffix}`;
  const each = (metric: Gauge<string> | Counter<string>, read: (source: Source) => number | undefined) => {
    metric.reset();
    for (const source of sources.values()) {
      const value = read(source);
      if (value === undefined) continue;
      if (metric instanceof Counter) metric.inc({ election: source.election }, value);
      else metric.set({ election: source.election }, value);
    }
  };
  /** One metric whose series are read from every source at scrape time. */
  const series = <T extends typeof Gauge | typeof Counter>(
    Kind: T,
    suffix: string,
    help: string,
    read: (source: Source) => number | undefined,
  ) =>
    new Kind({
      name: name(suffix),
      help,
      labelNames: ['election'],
      registers: [],
      collect(this: Gauge<string> | Counter<string>) {
        each(this, read);
      },
    });
  const gauge = (suffix: string, help: string, read: (source: Source) => number | undefined) =>
    series(Gauge, suffix, help, read);
  const counter = (suffix: string, help: string, read: (source: Source) => number) =>
    series(Counter, suffix, help, read);
  const errors = new Counter({
    name: name('backend_errors_total'),
    help: 'Errors the elector rode out (it retries), by error code.',
    labelNames: ['election', 'code'],
    registers: [],
  });
  const renewals = new Histogram({
    name: name('renewal_latency_seconds'),
    help: 'Round trips of the renewals the backend acknowledged (send to acknowledgement), seconds. Renewals time out at a third (etcd) or a quarter (Consul) of the TTL.',
    labelNames: ['election'],
    buckets: [...RENEWAL_BUCKETS],
    registers: [],
  });
  const metrics = [
    gauge(
      'is_leader',
      '1 while this node leads (checked against its lease deadline when scraped), else 0.',
      (s) => s.isLeader(),
    ),
    // A gauge is a float64: exact for tokens up to 2^53, far beyond any etcd revision or Consul index.
    gauge(
      'term',
      'Fencing token of the current leadership as this node sees it; 0 when there is none (view mode).',
      (s) => s.term(),
    ),
    counter(
      'leader_changes_total',
      'New leaderships this node saw: a leader (id, term) other than the last one; a gap with no leader in between does not count, nor the first leader seen after start.',
      (s) => s.leaderChanges(),
    ),
    gauge('members', 'Live members in this node’s view, itself and observers included.', (s) => s.members()),
    gauge(
      'lease_remaining_seconds',
      'While this node leads: seconds until its lease deadline unless renewed; +Inf when the backend has no lease (static). 0 when not leading.',
      (s) => s.leaseRemainingSeconds(),
    ),
    counter(
      'leaderless_seconds_total',
      'Seconds this node, joined with a live registration and seeing the backend, saw no leader (its own joining or being cut off never counts); a leader whose registration expired counts as gone since a TTL before the expiry (its last renewal).',
      (s) => s.leaderlessSeconds(),
    ),
    gauge(
      'leader_since_timestamp_seconds',
      'Unix time since when the current leader leads (exact on the leader, else when this node first saw it); 0 with no leader.',
      (s) => s.leaderSinceSeconds(),
    ),
    gauge('ttl_seconds', 'The registration TTL the elector runs with.', (s) => s.ttlSeconds()),
    gauge(
      'last_renewal_timestamp_seconds',
      'Unix time when the last renewal the backend acknowledged was sent (the registration lives a TTL from then); absent before the first one.',
      (s) => s.lastRenewalSeconds(),
    ),
    renewals,
    errors,
    new Gauge({
      name: name('info'),
      help: 'Always 1; the labels say which backend, mode and id this node runs with.',
      labelNames: ['election', 'backend', 'mode', 'id'],
      registers: [],
      collect() {
        this.reset();
        for (const s of sources.values())
          this.set({ election: s.election, backend: s.backend, mode: s.mode, id: s.id }, 1);
      },
    }),
  ];
  const names: string[] = [];
  try {
    for (const metric of metrics) {
      registry.registerMetric(metric);
      // prom-client keeps the name on every metric but types it on none.
      names.push((metric as unknown as { readonly name: string }).name);
    }
  } catch (error) {
    for (const metricName of names) registry.removeSingleMetric(metricName);
    throw new ConfigurationError(
      `a metric named like ours is already in this registry (${error instanceof Error ? error.message : String(error)}). Collect every elector with collectElectorMetrics (each with its own \`election\` label), or give the others another prefix.`,
      { source: SOURCE, cause: error },
    );
  }
  const family: Family = {
    names,
    sources,
    errors,
    renewals,
    remove() {
      for (const metricName of names) registry.removeSingleMetric(metricName);
      byPrefix.delete(prefix);
    },
  };
  byPrefix.set(prefix, family);
  return family;
}
