import { ConfigurationError, createElector, type Elector } from '@election/core';
import { collectElectorMetrics } from '@election/prometheus';
import {
  createManualClock,
  createMemoryCluster,
  type ManualClock,
  type MemoryCluster,
  waitFor,
} from '@election/testing';
import { Gauge, Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';

const TTL_MS = 2000;
let cluster: MemoryCluster | undefined;
const electors: Elector[] = [];

afterEach(async () => {
  for (const elector of electors.splice(0)) await elector.stop({ resign: false });
  cluster?.dispose();
  cluster = undefined;
});

function setup(): { clock: ManualClock; cluster: MemoryCluster; node: (id: string) => Elector } {
  const clock = createManualClock(1_000_000);
  cluster = createMemoryCluster({ clock });
  const backends = cluster;
  return {
    clock,
    cluster,
    node(id) {
      const elector = createElector({ id, membership: backends.backend(), clock, ttlMs: TTL_MS });
      electors.push(elector);
      return elector;
    },
  };
}

/** One sample's value from the text exposition, e.g. value(text, 'election_is_leader'). */
function value(text: string, series: string): number | undefined {
  const escaped = series.replace(/[{}"=,.]/g, (c) => `\\${c}`);
  const match = new RegExp(`^${escaped} (\\S+)$`, 'm').exec(text);
  return match ? Number(match[1]) : undefined;
}

const seriesCount = (text: string) =>
  text.split('\n').filter((line) => line !== '' && !line.startsWith('#')).length;

async function startAll(clock: ManualClock, ...nodes: Elector[]) {
  const started = Promise.all(nodes.map((node) => node.start()));
  await waitFor(async () => nodes.every((node) => node.state.phase !== 'joining'), {
    clock,
    timeoutMs: 5000,
    message: 'every node to join',
  });
  await started;
}

describe('collectElectorMetrics', () => {
  it('exposes every election metric with the values the leader sees', async () => {
    const { clock, node } = setup();
    const a = node('a');
    const registry = new Registry();
    collectElectorMetrics(a, { registry, clock });
    await startAll(clock, a);
    await waitFor(() => a.state.isLeader, { clock, timeoutMs: 5000, message: 'a to lead' });

    const text = await registry.metrics();
    for (const name of [
      'election_is_leader',
      'election_term',
      'election_leader_changes_total',
      'election_members',
      'election_lease_remaining_seconds',
      'election_leaderless_seconds_total',
      'election_backend_errors_total',
      'election_info',
    ]) {
      expect(text).toMatch(new RegExp(`^# HELP ${name} \\S`, 'm'));
    }
    expect(value(text, 'election_is_leader')).toBe(1);
    expect(value(text, 'election_term')).toBe(Number(a.state.term));
    expect(value(text, 'election_term')).toBeGreaterThan(0);
    expect(value(text, 'election_members')).toBe(1);
    expect(value(text, 'election_leader_changes_total')).toBe(1);
    const lease = value(text, 'election_lease_remaining_seconds') ?? -1;
    expect(lease).toBeGreaterThan(0);
    expect(lease).toBeLessThanOrEqual(TTL_MS / 1000);
    expect(value(text, 'election_info{backend="memory",mode="confirmed",id="a"}')).toBe(1);
    expect(value(text, 'election_backend_errors_total{code="BACKEND_UNAVAILABLE"}')).toBe(0);
  });

  it('counts leaderless time and leader changes on a follower, with series that do not grow', async () => {
    const { clock, cluster, node } = setup();
    const a = node('a');
    await startAll(clock, a);
    await waitFor(() => a.state.isLeader, { clock, timeoutMs: 5000, message: 'a to lead' });

    // b's join is answered 500 ms late: that long it runs and sees no leader.
    const b = node('b');
    const registry = new Registry();
    collectElectorMetrics(b, { registry, clock });
    cluster.latency(500, { node: 'b' });
    const startedAt = clock.now();
    const started = b.start();
    const step = { clock, stepMs: 1, timeoutMs: 5000 };
    await waitFor(() => b.state.leaderId === 'a', { ...step, message: 'b to see a lead' });
    await started;
    const gap = (clock.now() - startedAt) / 1000;
    await clock.advance(3000); // time with a leader does not count
    const before = await registry.metrics();
    expect(value(before, 'election_is_leader')).toBe(0);
    expect(value(before, 'election_lease_remaining_seconds')).toBe(0);
    expect(value(before, 'election_leader_changes_total')).toBe(1);
    const leaderless = value(before, 'election_leaderless_seconds_total') ?? -1;
    expect(leaderless).toBeGreaterThanOrEqual(0.5);
    // Polling steps are 1 ms: the measured gap is within a step of what the metric says.
    expect(Math.abs(leaderless - gap)).toBeLessThanOrEqual(0.001);

    // a is cut off; once its lease runs out, b takes over: none → a → none → b.
    cluster.latency(0, { node: 'b' });
    cluster.partition('a');
    await waitFor(() => b.state.isLeader, { clock, timeoutMs: 5000, message: 'b to lead' });
    const after = await registry.metrics();
    expect(value(after, 'election_is_leader')).toBe(1);
    expect(value(after, 'election_leader_changes_total')).toBe(3);
    expect(value(after, 'election_leaderless_seconds_total')).toBeGreaterThanOrEqual(leaderless);
    expect(seriesCount(after)).toBe(seriesCount(before));
  });

  it('counts backend errors by code', async () => {
    const { clock, cluster, node } = setup();
    const a = node('a');
    const registry = new Registry();
    collectElectorMetrics(a, { registry, clock });
    let errors = 0;
    a.on('error', () => errors++);
    await startAll(clock, a);
    cluster.partition('a');
    await waitFor(() => errors > 0, { clock, timeoutMs: 10_000, message: 'an error event' });
    const text = await registry.metrics();
    const counted = [...text.matchAll(/^election_backend_errors_total\{code="(\w+)"\} (\S+)$/gm)].reduce(
      (sum, match) => sum + Number(match[2]),
      0,
    );
    expect(counted).toBe(errors);
  });

  it('adds constant labels and a prefix to every series', async () => {
    const { clock, node } = setup();
    const a = node('a');
    const registry = new Registry();
    const metrics = collectElectorMetrics(a, {
      registry,
      clock,
      prefix: 'billing_',
      labels: { election: 'billing' },
    });
    await startAll(clock, a);
    const text = await registry.metrics();
    const samples = text.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
    expect(samples.length).toBeGreaterThan(0);
    for (const sample of samples) expect(sample).toMatch(/^billing_\w+\{election="billing"/);
    expect(metrics.names).toContain('billing_is_leader');
  });

  it('stops listening when the elector stops, and unregister() removes the metrics', async () => {
    const { clock, node } = setup();
    const a = node('a');
    let live = 0;
    // Counts the subscriptions the collector holds on the elector.
    const counted = new Proxy(a, {
      get(target, key) {
        if (key === 'subscribe') {
          return (listener: Parameters<Elector['subscribe']>[0]) => {
            live++;
            const unsubscribe = target.subscribe(listener);
            return () => {
              live--;
              unsubscribe();
            };
          };
        }
        const member = Reflect.get(target, key, target);
        return typeof member === 'function' ? member.bind(target) : member;
      },
    });
    const registry = new Registry();
    const metrics = collectElectorMetrics(counted, { registry, clock });
    expect(live).toBe(1);
    await startAll(clock, a);
    await a.stop();
    expect(live).toBe(0);
    const text = await registry.metrics();
    expect(value(text, 'election_is_leader')).toBe(0);
    metrics.unregister();
    expect(registry.getMetricsAsArray()).toEqual([]);
    // The names are free again.
    collectElectorMetrics(a, { registry, clock }).unregister();
  });

  it('rejects bad options with a ConfigurationError that says what to change', () => {
    const { node } = setup();
    const a = node('a');
    const registry = new Registry();
    collectElectorMetrics(a, { registry });
    expect(() => collectElectorMetrics(a, { registry })).toThrow(/own prefix or registry/);
    expect(() => collectElectorMetrics(a, { registry: new Registry(), prefix: '9x' })).toThrow(
      ConfigurationError,
    );
    expect(() => collectElectorMetrics(a, { registry: new Registry(), labels: { id: 'x' } })).toThrow(
      /used by the election metrics themselves/,
    );
    expect(() => collectElectorMetrics(a, { registry: new Registry(), labels: { 'bad-name': 'x' } })).toThrow(
      /\[@election\/prometheus\] label name "bad-name"/,
    );
    expect(() => collectElectorMetrics(a, {} as never)).toThrow(/must be a prom-client Registry/);
    // A failed registration leaves nothing of ours behind.
    const taken = new Registry();
    taken.registerMetric(new Gauge({ name: 'election_members', help: 'the app’s own', registers: [] }));
    expect(() => collectElectorMetrics(a, { registry: taken })).toThrow(ConfigurationError);
    expect(taken.getMetricsAsArray().map((metric) => metric.name)).toEqual(['election_members']);
  });
});
