import {
  type Clock,
  ConfigurationError,
  type ElectionErrorCode,
  type ElectionState,
  type Elector,
  systemClock,
} from '@election/core';
import { Counter, Gauge, type Registry } from 'prom-client';

const SOURCE = '@election/prometheus';

export interface ElectorMetricsOptions {
  /** Where the metrics are registered (a prom-client Registry, e.g. `register` or `new Registry()`). */
  readonly registry: Registry;
  /** Prepended to every metric name. Default `election_`. */
  readonly prefix?: string;
  /**
   * Constant labels added to every metric, e.g. `{ election: 'billing' }` to tell apart several
   * electors in one registry (each then needs its own prefix, or its own registry). Keep them
   * constant: one value per elector, never a member id or a term.
   */
  readonly labels?: Readonly<Record<string, string>>;
  /** The clock given to `createElector` (lease deadlines are in its time). Default: the system clock. */
  readonly clock?: Clock;
}

export interface ElectorMetrics {
  /** The full names of the metrics registered, prefix included. */
  readonly names: readonly string[];
  /**
   * Stops listening to the elector and removes the metrics from the registry. Listening ends by
   * itself when the elector stops (the metrics stay, with their final values, until this is called).
   */
  unregister(): void;
}

/** Error codes counted from the start, so a rate() over them has a zero to start from. */
const INITIAL_ERROR_CODES: readonly ElectionErrorCode[] = ['BACKEND_UNAVAILABLE', 'SESSION_LOST'];

const RESERVED_LABELS = new Set(['code', 'backend', 'mode', 'id']);
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function checkOptions(options: ElectorMetricsOptions, prefix: string, labels: Record<string, string>): void {
  if (typeof options?.registry?.registerMetric !== 'function') {
    throw new ConfigurationError(
      'collectElectorMetrics(elector, { registry }): registry must be a prom-client Registry, e.g. `new Registry()` or `register` from prom-client.',
      { source: SOURCE },
    );
  }
  if (prefix !== '' && !METRIC_NAME.test(prefix)) {
    throw new ConfigurationError(
      `prefix "${prefix}" would make invalid metric names: use letters, digits, "_" and ":" only, not starting with a digit (e.g. "election_").`,
      { source: SOURCE },
    );
  }
  for (const [name, value] of Object.entries(labels)) {
    if (!LABEL_NAME.test(name) || name.startsWith('__')) {
      throw new ConfigurationError(
        `label name "${name}" is not a valid Prometheus label name: use letters, digits and "_", not starting with a digit or "__".`,
        { source: SOURCE },
      );
    }
    if (RESERVED_LABELS.has(name)) {
      throw new ConfigurationError(
        `label name "${name}" is used by the election metrics themselves (${[...RESERVED_LABELS].join(', ')}); rename it.`,
        { source: SOURCE },
      );
    }
    if (typeof value !== 'string') {
      throw new ConfigurationError(`label "${name}" must have a string value, got ${typeof value}.`, {
        source: SOURCE,
      });
    }
  }
}

/** Time with no leader counts only while the node takes part: not before start() nor after stop(). */
const ACTIVE_PHASES = new Set<ElectionState['phase']>(['joining', 'follower', 'candidate', 'leader']);
const isLeaderless = (state: ElectionState) => ACTIVE_PHASES.has(state.phase) && state.leaderId === null;

/**
 * Registers the election metrics of `elector` in `options.registry`. Gauges are read from
 * `elector.state` at scrape time, not pushed on events: `isLeader` is checked against the lease
 * deadline when read, so a scrape never reports a leadership that expired between two events.
 * No label grows with the members or the terms: one series per metric (and per error code).
 */
export function collectElectorMetrics(elector: Elector, options: ElectorMetricsOptions): ElectorMetrics {
  const prefix = options?.prefix ?? 'election_';
  const labels = { ...(options?.labels ?? {}) };
  checkOptions(options, prefix, labels);
  const { registry } = options;
  const clock = options.clock ?? systemClock;
  const labelNames = Object.keys(labels);
  const name = (suffix: string) => `${prefix}${suffix}`;
  const state = () => elector.state;

  // Leaderless time: the closed intervals so far, plus the open one (if any) at scrape time.
  let leaderlessMs = 0;
  let leaderlessSince: number | null = isLeaderless(state()) ? clock.now() : null;
  const track = (current: ElectionState) => {
    const now = clock.now();
    if (leaderlessSince !== null) leaderlessMs += now - leaderlessSince;
    leaderlessSince = isLeaderless(current) ? now : null;
  };

  const gauge = (suffix: string, help: string, read: () => number) =>
    new Gauge({
      name: name(suffix),
      help,
      labelNames,
      registers: [],
      collect() {
        this.set(labels, read());
      },
    });

  const changes = new Counter({
    name: name('leader_changes_total'),
    help: 'Times the leader as this node sees it changed (including to or from none).',
    labelNames,
    registers: [],
  });
  const errors = new Counter({
    name: name('backend_errors_total'),
    help: 'Errors the elector rode out (it retries), by error code.',
    labelNames: [...labelNames, 'code'],
    registers: [],
  });
  const metrics = [
    gauge('is_leader', '1 while this node leads, else 0.', () => (state().isLeader ? 1 : 0)),
    // A gauge is a float64: exact for tokens up to 2^53, far beyond any etcd revision or Consul index.
    gauge(
      'term',
      'Fencing token of the current leadership as this node sees it; 0 when there is none (view mode).',
      () => Number(state().term ?? 0n),
    ),
    changes,
    gauge('members', 'Live members in this node’s view, itself and observers included.', () => {
      return state().members.length;
    }),
    gauge(
      'lease_remaining_seconds',
      'While this node leads: seconds until its lease deadline unless renewed; +Inf when the backend has no lease (static). 0 when not leading.',
      () => {
        const current = state();
        if (!current.isLeader || current.leaseDeadline === null) return 0;
        return Math.max(0, current.leaseDeadline - clock.now()) / 1000;
      },
    ),
    new Counter({
      name: name('leaderless_seconds_total'),
      help: 'Seconds this node, while started, saw no leader.',
      labelNames,
      registers: [],
      collect() {
        const open = leaderlessSince === null ? 0 : clock.now() - leaderlessSince;
        this.reset();
        this.inc(labels, (leaderlessMs + open) / 1000);
      },
    }),
    errors,
    new Gauge({
      name: name('info'),
      help: 'Always 1; the labels say which backend, mode and id this node runs with.',
      labelNames: [...labelNames, 'backend', 'mode', 'id'],
      registers: [],
      collect() {
        this.set({ ...labels, backend: elector.backend, mode: elector.mode, id: elector.id }, 1);
      },
    }),
  ];

  const registered: string[] = [];
  try {
    for (const metric of metrics) {
      // prom-client keeps the name on every metric but types it on none.
      const metricName = (metric as unknown as { readonly name: string }).name;
      registry.registerMetric(metric);
      registered.push(metricName);
    }
  } catch (error) {
    for (const metricName of registered) registry.removeSingleMetric(metricName);
    throw new ConfigurationError(
      `a metric named like ours is already in this registry (${error instanceof Error ? error.message : String(error)}). Give each elector its own prefix or registry.`,
      { source: SOURCE, cause: error },
    );
  }
  changes.inc(labels, 0);
  for (const code of INITIAL_ERROR_CODES) errors.inc({ ...labels, code }, 0);

  let unsubscribe: (() => void) | undefined = elector.subscribe((event, current) => {
    track(current);
    if (event.type === 'leader' && event.leaderId !== event.previousLeaderId) changes.inc(labels);
    if (event.type === 'error') errors.inc({ ...labels, code: event.error.code });
    if (current.phase === 'stopped') stopListening();
  });
  const stopListening = () => {
    unsubscribe?.();
    unsubscribe = undefined;
  };
  if (state().phase === 'stopped') stopListening();

  return {
    names: registered,
    unregister() {
      stopListening();
      for (const metricName of registered) registry.removeSingleMetric(metricName);
    },
  };
}
