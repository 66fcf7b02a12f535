import { type Clock, ConfigurationError, type Elector } from '@election/core';
import type { Registry } from 'prom-client';
import { familyFor, INITIAL_ERROR_CODES, type Source } from './family.js';
import { checkOptions, SOURCE } from './options.js';
import { trackLeadership } from './tracker.js';

export interface ElectorMetricsOptions {
  /** Where the metrics are registered (a prom-client Registry, e.g. `register` or `new Registry()`). */
  readonly registry: Registry;
  /**
   * The value of the `election` label on every series of this elector, like client-go's `name`
   * label: one family of metrics for every election, so many electors share a registry and one
   * dashboard. Default `default`.
   */
  readonly election?: string;
  /** Prepended to every metric name. Default `election_`. */
  readonly prefix?: string;
  /**
   * @deprecated The elector's own TTL (`elector.ttlMs`, the `ttlMs` given to `createElector` or the
   * backend's default) is used by default, and no other is right. It is exported as
   * `election_ttl_seconds` for the alert rules, and dates the start of a leaderless gap back when
   * the leader's registration expired.
   */
  readonly ttlMs?: number;
  /**
   * @deprecated The elector's own clock (`elector.clock`, the one given to `createElector`) is
   * used by default, and no other clock is right: lease deadlines are in its time.
   */
  readonly clock?: Clock;
}

export interface ElectorMetrics {
  /** The full names of the metrics of the family, prefix included. */
  readonly names: readonly string[];
  /**
   * Stops listening to the elector and removes its series; the last elector of a registry removes
   * the metrics. Listening ends by itself when the elector stops (its series stay, with their final
   * values, until this is called).
   */
  unregister(): void;
}

/**
 * Registers the election metrics of `elector` in `options.registry`, as one family whose series
 * carry an `election` label. Gauges are read from `elector.state` at scrape time, not pushed on
 * events: `isLeader` is checked against the lease deadline when read, so a scrape never reports a
 * leadership that expired between two events. No label grows with the members or the terms.
 */
export function collectElectorMetrics(elector: Elector, options: ElectorMetricsOptions): ElectorMetrics {
  const prefix = options?.prefix ?? 'election_';
  const election = options?.election ?? 'default';
  checkOptions(options?.registry, prefix, election, options?.ttlMs);
  const { registry } = options;
  const ttlMs = options.ttlMs ?? elector.ttlMs;
  if (!Number.isFinite(ttlMs)) {
    throw new ConfigurationError(
      'collectElectorMetrics: this elector does not say its TTL (a core before elector.ttlMs): pass ttlMs, the TTL given to createElector, in ms.',
      { source: SOURCE },
    );
  }
  const clock = options.clock ?? elector.clock;
  const family = familyFor(registry, prefix);
  if (family.sources.has(election)) {
    throw new ConfigurationError(
      `this registry already has an elector collected with election "${election}": give each elector its own \`election\` label.`,
      { source: SOURCE },
    );
  }
  const tracker = trackLeadership(elector, clock, ttlMs);
  /** Wall-clock ms when the last acknowledged renewal was sent. */
  let lastRenewal: number | undefined;
  const source: Source = {
    election,
    backend: elector.backend,
    mode: elector.mode,
    id: elector.id,
    isLeader: () => (elector.state.isLeader ? 1 : 0),
    term: () => Number(elector.state.term ?? 0n),
    members: () => elector.state.members.length,
    leaseRemainingSeconds() {
      const state = elector.state;
      if (!state.isLeader || state.leaseDeadline === null) return 0;
      return Math.max(0, state.leaseDeadline - clock.now()) / 1000;
    },
    leaderChanges: () => tracker.changes,
    leaderlessSeconds: () => tracker.leaderlessMs() / 1000,
    leaderSinceSeconds: () => (tracker.leaderSince() ?? 0) / 1000,
    ttlSeconds: () => ttlMs / 1000,
    lastRenewalSeconds: () => (lastRenewal === undefined ? undefined : lastRenewal / 1000),
  };
  family.sources.set(election, source);
  const codes = new Set<string>(INITIAL_ERROR_CODES);
  for (const code of codes) family.errors.inc({ election, code }, 0);
  family.renewals.zero({ election });

  let unsubscribe: (() => void) | undefined = elector.subscribe((event, current) => {
    if (event.type === 'renewal') {
      family.renewals.observe({ election }, event.latencyMs / 1000);
      lastRenewal = Date.now() - (clock.now() - event.sentAt);
      return;
    }
    tracker.update(current);
    if (event.type === 'error') {
      codes.add(event.error.code);
      family.errors.inc({ election, code: event.error.code });
    }
    if (current.phase === 'stopped') stopListening();
  });
  const stopListening = () => {
    unsubscribe?.();
    unsubscribe = undefined;
  };
  if (elector.state.phase === 'stopped') stopListening();

  let registered = true;
  return {
    names: family.names,
    unregister() {
      stopListening();
      if (!registered) return;
      registered = false;
      family.sources.delete(election);
      for (const code of codes) family.errors.remove({ election, code });
      family.renewals.remove({ election });
      if (family.sources.size === 0) family.remove();
    },
  };
}
