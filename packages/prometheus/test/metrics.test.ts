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

function setup(): {
  clock: ManualClock;
  cluster: MemoryCluster;
  node: (id: string) => Elector;
} {
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

/** Node a, collected in its own registry with no options but the registry, once it leads. */
async function leaderCollected() {
  const { clock, node } = setup();
  const a = node('a');
  const registry = new Registry();
  collectElectorMetrics(a, { registry });
  await startAll(clock, a);
  await waitFor(() => a.state.isLeader, { clock, timeoutMs: 5000, message: 'a to lead' });
  return { clock, a, registry };
}

/** Nodes a, b and c, each collected in its own registry, once all three see a lead. */
async function threeNodes(clock: ManualClock, node: (id: string) => Elector) {
  const nodes = ['a', 'b', 'c'].map(node);
  const registries = nodes.map((elector) => {
    const registry = new Registry();
    collectElectorMetrics(elector, { registry, ttlMs: TTL_MS });
    return registry;
  });
  await startAll(clock, ...nodes);
  await waitFor(() => nodes.every((n) => n.state.leaderId === 'a' && n.state.members.length === 3), {
    clock,
    timeoutMs: 5000,
    message: 'all three to see a lead',
  });
  const [a, b, c] = nodes as [Elector, Elector, Elector];
  return { a, b, c, registries };
}

/** A series of the default election: `election_is_leader` → `election_is_leader{election="default"}`. */
const of = (name: string, labels = '') => `${name}{election="default"${labels === '' ? '' : `,${labels}`}}`;

describe('collectElectorMetrics', () => {
  it('exposes every election metric with the values the leader sees, under an election label', async () => {
    // No ttlMs, no clock: both are the elector's (election_ttl_seconds is its TTL; issue 20 review, item 7).
    const { a, registry } = await leaderCollected();

    const text = await registry.metrics();
    for (const name of [
      'election_is_leader',
      'election_term',
      'election_leader_changes_total',
      'election_members',
      'election_lease_remaining_seconds',
      'election_leaderless_seconds_total',
      'election_leader_since_timestamp_seconds',
      'election_ttl_seconds',
      'election_last_renewal_timestamp_seconds',
      'election_renewal_latency_seconds',
      'election_backend_errors_total',
      'election_info',
    ]) {
      expect(text).toMatch(new RegExp(`^# HELP ${name} \\S`, 'm'));
    }
    expect(value(text, of('election_is_leader'))).toBe(1);
    expect(value(text, of('election_term'))).toBe(Number(a.state.term));
    expect(value(text, of('election_term'))).toBeGreaterThan(0);
    expect(value(text, of('election_members'))).toBe(1);
    // The first leader a node sees is not a change: a restarted node would count one that did not happen.
    expect(value(text, of('election_leader_changes_total'))).toBe(0);
    expect(value(text, of('election_ttl_seconds'))).toBe(TTL_MS / 1000);
    const since = value(text, of('election_leader_since_timestamp_seconds')) ?? 0;
    expect(Math.abs(since - Date.now() / 1000)).toBeLessThan(60);
    const lease = value(text, of('election_lease_remaining_seconds')) ?? -1;
    expect(lease).toBeGreaterThan(0);
    expect(lease).toBeLessThanOrEqual(TTL_MS / 1000);
    expect(value(text, 'election_info{election="default",backend="memory",mode="confirmed",id="a"}')).toBe(1);
    expect(value(text, of('election_backend_errors_total', 'code="BACKEND_UNAVAILABLE"'))).toBe(0);
  });

  it('observes every acknowledged renewal: the latency histogram and the last renewal time', async () => {
    const { clock, cluster, node } = setup();
    const a = node('a');
    const registry = new Registry();
    collectElectorMetrics(a, { registry, ttlMs: TTL_MS });
    await startAll(clock, a);
    const empty = await registry.metrics();
    // Present from the start at zero (a rate() needs a zero to start from); no renewal yet.
    expect(value(empty, of('election_renewal_latency_seconds_count'))).toBe(0);
    expect(value(empty, of('election_last_renewal_timestamp_seconds'))).toBeUndefined();
    // Renewals go out every TTL/3 (667 ms); their answers take 300 ms.
    cluster.latency(300, { node: 'a' });
    const from = clock.now();
    await clock.advance(TTL_MS * 2);
    const text = await registry.metrics();
    const count = value(text, of('election_renewal_latency_seconds_count')) ?? 0;
    expect(count).toBeGreaterThanOrEqual(5);
    expect(value(text, of('election_renewal_latency_seconds_sum'))).toBeCloseTo(count * 0.3, 6);
    const bucket = (le: string) => `election_renewal_latency_seconds_bucket{le="${le}",election="default"}`;
    expect(value(text, bucket('0.25'))).toBe(0);
    expect(value(text, bucket('0.5'))).toBe(count);
    // The send time of the last one, as Unix time: within the last renewal interval plus its answer.
    const last = value(text, of('election_last_renewal_timestamp_seconds')) ?? 0;
    const sentAgoMs = Date.now() - last * 1000;
    expect(sentAgoMs).toBeGreaterThanOrEqual(300 - 5);
    expect(sentAgoMs).toBeLessThanOrEqual(TTL_MS / 3 + 300 + 50);
    expect(clock.now() - from).toBe(TTL_MS * 2);
  });

  it('counts leaderless time and leader changes on a follower, with series that do not grow', async () => {
    const { clock, cluster, node } = setup();
    const a = node('a');
    await startAll(clock, a);
    await waitFor(() => a.state.isLeader, { clock, timeoutMs: 5000, message: 'a to lead' });

    // b's join is answered 500 ms late: that long it cannot see the lock state, which is its own
    // blindness and not a gap (a led throughout); issue 20 review, item 6.
    const b = node('b');
    const registry = new Registry();
    collectElectorMetrics(b, { registry, clock });
    cluster.latency(500, { node: 'b' });
    const startedAt = clock.now();
    const started = b.start();
    const step = { clock, stepMs: 1, timeoutMs: 5000 };
    await waitFor(() => b.state.leaderId === 'a', { ...step, message: 'b to see a lead' });
    await started;
    expect(clock.now() - startedAt).toBeGreaterThanOrEqual(500);
    await clock.advance(3000); // time with a leader does not count
    const before = await registry.metrics();
    expect(value(before, of('election_is_leader'))).toBe(0);
    expect(value(before, of('election_lease_remaining_seconds'))).toBe(0);
    expect(value(before, of('election_leader_changes_total'))).toBe(0);
    const leaderless = value(before, of('election_leaderless_seconds_total')) ?? -1;
    expect(leaderless).toBe(0);

    // a is cut off; once its lease runs out, b takes over: a → none → b is one change.
    cluster.latency(0, { node: 'b' });
    cluster.partition('a');
    await waitFor(() => b.state.isLeader, { clock, timeoutMs: 5000, message: 'b to lead' });
    const after = await registry.metrics();
    expect(value(after, of('election_is_leader'))).toBe(1);
    expect(value(after, of('election_leader_changes_total'))).toBe(1);
    // The failover's gap (a's lease running out) is a real one, seen by b with a live registration.
    expect(value(after, of('election_leaderless_seconds_total'))).toBeGreaterThan(leaderless);
    expect(seriesCount(after)).toBe(seriesCount(before));
  });

  it('agrees on every survivor about a crash: one leader change, and the measured leaderless gap', async () => {
    const { clock, cluster, node } = setup();
    const { a, b, c, registries } = await threeNodes(clock, node);
    await clock.advance(1234); // a few renewals: the crash falls between two of them
    const read = async (registry: Registry, name: string) => value(await registry.metrics(), of(name)) ?? -1;
    const before = await Promise.all(
      registries.slice(1).map((r) => read(r, 'election_leaderless_seconds_total')),
    );

    // a crashes: it stops answering anyone, and walks away without resigning.
    const crashedAt = clock.now();
    cluster.partition('a');
    await a.stop({ resign: false });
    await waitFor(() => b.state.isLeader, { clock, stepMs: 1, timeoutMs: 10_000, message: 'b to lead' });
    const gapS = (clock.now() - crashedAt) / 1000;
    await waitFor(() => c.state.leaderId === 'b', {
      clock,
      stepMs: 1,
      timeoutMs: 1000,
      message: 'c to see b',
    });

    const counted: number[] = [];
    for (const [i, registry] of registries.slice(1).entries()) {
      expect(await read(registry, 'election_leader_changes_total')).toBe(1);
      counted.push((await read(registry, 'election_leaderless_seconds_total')) - (before[i] ?? 0));
    }
    console.log(
      `metrics test: leader gap measured ${gapS.toFixed(3)} s; leaderless_seconds_total rose by ${counted.map((s) => s.toFixed(3)).join(' s and ')} s on the survivors`,
    );
    const renewalIntervalS = TTL_MS / 3 / 1000;
    for (const seconds of counted) {
      // From a's last renewal (at most one renewal interval before the crash) to b's election.
      expect(seconds).toBeGreaterThanOrEqual(gapS - 0.002);
      expect(seconds).toBeLessThanOrEqual(gapS + renewalIntervalS + 0.002);
    }
    expect(Math.abs((counted[0] ?? 0) - (counted[1] ?? 0))).toBeLessThanOrEqual(0.01);
  });

  it.each([
    { delayMs: 0, latencyMs: 0 },
    { delayMs: 40, latencyMs: 30 },
  ])(
    'agrees on every survivor about a graceful stop, and does not date it back: the measured gap (watch delay $delayMs ms, answers $latencyMs ms)',
    async ({ delayMs, latencyMs }) => {
      const { clock, cluster, node } = setup();
      const { a, b, c, registries } = await threeNodes(clock, node);
      await clock.advance(1234);
      // Without delays, both vanish in one change seen at once, as on etcd; with them, a few round trips.
      cluster.delay(delayMs);
      cluster.latency(latencyMs);
      const read = async (registry: Registry, name: string) =>
        value(await registry.metrics(), of(name)) ?? -1;
      const before = await Promise.all(
        registries.slice(1).map((r) => read(r, 'election_leaderless_seconds_total')),
      );
      // a stops gracefully (resigns and leaves). The in-memory backend's leave, like etcd's, ends
      // the lease: the lock and the registration vanish in one change.
      const stoppedAt = clock.now();
      const stopping = a.stop({ resign: true });
      await waitFor(() => b.state.isLeader, { clock, stepMs: 1, timeoutMs: 10_000, message: 'b to lead' });
      const gapS = (clock.now() - stoppedAt) / 1000;
      await waitFor(() => c.state.leaderId === 'b', {
        clock,
        stepMs: 1,
        timeoutMs: 1000,
        message: 'c to see b',
      });
      await stopping;
      const counted: number[] = [];
      for (const [i, registry] of registries.slice(1).entries()) {
        expect(await read(registry, 'election_leader_changes_total')).toBe(1);
        counted.push((await read(registry, 'election_leaderless_seconds_total')) - (before[i] ?? 0));
      }
      console.log(
        `metrics test: graceful stop, leader gap measured ${gapS.toFixed(3)} s; leaderless_seconds_total rose by ${counted.map((s) => s.toFixed(3)).join(' s and ')} s on the survivors`,
      );
      for (const seconds of counted) {
        // From when the survivor saw a's leadership end (after a's stop) to when it saw b's begin: not
        // dated back by the TTL as an expired lease is (before, with no delays: 1.244 s for 0.001 s).
        expect(seconds).toBeGreaterThanOrEqual(0);
        expect(seconds).toBeLessThanOrEqual(gapS + 0.002);
      }
      // b counts from when it saw a go to its own election, c to when it heard of it (one delivery later).
      expect(Math.abs((counted[0] ?? 0) - (counted[1] ?? 0))).toBeLessThanOrEqual(0.05);
    },
  );

  it('does not date back a handover: the leader steps down while still registered', async () => {
    const { clock, node } = setup();
    const [b, c] = ['b', 'c'].map(node) as [Elector, Elector];
    const registry = new Registry();
    collectElectorMetrics(c, { registry, clock, ttlMs: TTL_MS });
    await startAll(clock, b, c);
    await waitFor(() => c.state.leaderId === 'b', { clock, timeoutMs: 5000, message: 'c to see b lead' });
    await clock.advance(1234);
    const read = async () => value(await registry.metrics(), of('election_leaderless_seconds_total')) ?? -1;
    const before = await read();
    // a ranks first: b releases the lock for it and stays a member.
    const a = node('a');
    const joinedAt = clock.now();
    await startAll(clock, a);
    await waitFor(() => c.state.leaderId === 'a', {
      clock,
      stepMs: 1,
      timeoutMs: 5000,
      message: 'c to see a lead',
    });
    const gapS = (clock.now() - joinedAt) / 1000;
    expect((await read()) - before).toBeLessThanOrEqual(gapS + 0.002);
    expect(value(await registry.metrics(), of('election_leader_changes_total'))).toBe(1);
  });

  // The lease deadline is in the elector's clock; read with another clock, it is garbage (0 here).
  it('takes the clock from the elector: lease_remaining is right without a clock option', async () => {
    const { registry } = await leaderCollected();
    expect(value(await registry.metrics(), of('election_lease_remaining_seconds'))).toBeGreaterThan(0);
  });

  it('puts many electors in one registry, one family with an election label each', async () => {
    const { clock, node } = setup();
    const billing = node('a');
    const registry = new Registry();
    const one = collectElectorMetrics(billing, { registry, clock, election: 'billing' });
    const other = createElector({
      id: 'z',
      membership: createMemoryCluster({ clock }).backend(),
      clock,
      ttlMs: TTL_MS,
    });
    electors.push(other);
    const two = collectElectorMetrics(other, { registry, clock, election: 'mailer' });
    await startAll(clock, billing, other);
    const text = await registry.metrics();
    expect(value(text, 'election_is_leader{election="billing"}')).toBe(1);
    expect(value(text, 'election_is_leader{election="mailer"}')).toBe(1);
    expect(value(text, 'election_info{election="mailer",backend="memory",mode="confirmed",id="z"}')).toBe(1);
    expect(() => collectElectorMetrics(other, { registry, clock, election: 'billing' })).toThrow(
      /already has an elector collected with election "billing"/,
    );
    one.unregister();
    const left = await registry.metrics();
    expect(left).not.toContain('election="billing"');
    expect(value(left, 'election_is_leader{election="mailer"}')).toBe(1);
    two.unregister();
    expect(registry.getMetricsAsArray()).toEqual([]);
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
    const counted = [
      ...text.matchAll(/^election_backend_errors_total\{election="default",code="(\w+)"\} (\S+)$/gm),
    ].reduce((sum, match) => sum + Number(match[2]), 0);
    expect(counted).toBe(errors);
  });

  it('adds a prefix to every series', async () => {
    const { clock, node } = setup();
    const a = node('a');
    const registry = new Registry();
    const metrics = collectElectorMetrics(a, { registry, clock, prefix: 'billing_', election: 'billing' });
    await startAll(clock, a);
    const text = await registry.metrics();
    const samples = text.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
    expect(samples.length).toBeGreaterThan(0);
    // The histogram's buckets carry `le` first.
    for (const sample of samples) expect(sample).toMatch(/^billing_\w+\{(le="[^"]+",)?election="billing"/);
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
    expect(value(text, of('election_is_leader'))).toBe(0);
    metrics.unregister();
    expect(registry.getMetricsAsArray()).toEqual([]);
    // The names are free again.
    collectElectorMetrics(a, { registry, clock }).unregister();
  });

  it('rejects bad options with a ConfigurationError that says what to change', () => {
    const { clock, node } = setup();
    const a = node('a');
    const registry = new Registry();
    collectElectorMetrics(a, { registry, clock });
    expect(() => collectElectorMetrics(a, { registry, clock })).toThrow(
      /give each elector its own `election` label/,
    );
    expect(() => collectElectorMetrics(a, { registry: new Registry(), prefix: '9x' })).toThrow(
      ConfigurationError,
    );
    expect(() => collectElectorMetrics(a, { registry: new Registry(), election: '' })).toThrow(
      /\[@election\/prometheus\] election must be a non-empty string/,
    );
    expect(() => collectElectorMetrics(a, { registry: new Registry(), ttlMs: -1 })).toThrow(/ttlMs must be/);
    expect(() => collectElectorMetrics(a, {} as never)).toThrow(/must be a prom-client Registry/);
    // A failed registration leaves nothing of ours behind.
    const taken = new Registry();
    taken.registerMetric(new Gauge({ name: 'election_members', help: 'the app’s own', registers: [] }));
    expect(() => collectElectorMetrics(a, { registry: taken, clock })).toThrow(ConfigurationError);
    expect(taken.getMetricsAsArray().map((metric) => metric.name)).toEqual(['election_members']);
  });
});

/** Node a and observer c on one memory cluster (TTL 2 s): when a goes, nobody takes over. */
function leaderAndObserver(mode: 'view' | 'confirmed') {
  const clock = createManualClock(1_000_000);
  const memory = createMemoryCluster({ clock });
  cluster = memory;
  const [a, c] = [false, true].map((observer, i) => {
    const elector = createElector({
      id: i === 0 ? 'a' : 'c',
      membership: memory.backend(),
      clock,
      ttlMs: TTL_MS,
      mode,
      observer,
    });
    electors.push(elector);
    return elector;
  }) as [Elector, Elector];
  return { clock, cluster: memory, a, c };
}

/** election_leaderless_seconds_total of the default election in `registry`. */
const leaderless = async (registry: Registry) =>
  value(await registry.metrics(), of('election_leaderless_seconds_total')) ?? Number.NaN;

/**
 * A node's own blindness is not a gap (issue 20 review). A follower cut off from the backend while
 * the leader keeps leading must count nothing: were it to count the cut, a sum or max over nodes on
 * a dashboard (or an alert on it) would show a leaderless election that never was.
 */
describe('leaderless_seconds_total when one follower is cut off', () => {
  it('does not count a gap on the cut-off follower while the leader leads throughout', async () => {
    const { clock, cluster: memory, node } = setup();
    const { a, c, registries } = await threeNodes(clock, node);
    const before = await Promise.all(registries.map(leaderless));

    memory.partition('c');
    await clock.advance(10_000);
    memory.heal('c');
    await waitFor(() => c.state.leaderId === 'a' && c.state.members.length === 3, {
      clock,
      timeoutMs: 10_000,
      message: 'c back, seeing a lead',
    });
    expect(a.state.isLeader).toBe(true);
    const after = await Promise.all(registries.map(leaderless));
    const rose = after.map((seconds, i) => seconds - (before[i] ?? 0));
    console.log(
      `metrics: leaderless_seconds_total rose by a ${rose[0]}, b ${rose[1]}, c ${rose[2]} (c cut off 10 s)`,
    );
    // a led all along: every node counts the same, none.
    for (const seconds of rose) expect(seconds).toBe(0);
  });

  it('is exactly zero on the cut-off node from the cut to its return, with a 3 s TTL (no onset counted)', async () => {
    // The follower loses its view of the lock in the same step that says it cannot see the
    // backend (core sets the reason first): there is no instant at which it sees "no leader".
    const clock = createManualClock(1_000_000);
    cluster = createMemoryCluster({ clock });
    const memory = cluster;
    const [a, b] = ['a', 'b'].map((id) => {
      const elector = createElector({ id, membership: memory.backend(), clock, ttlMs: 3000 });
      electors.push(elector);
      return elector;
    }) as [Elector, Elector];
    const registry = new Registry();
    collectElectorMetrics(b, { registry });
    await Promise.all([a.start(), b.start()]);
    await waitFor(() => b.state.leaderId === 'a', { clock, timeoutMs: 5000, message: 'b to see a lead' });
    memory.partition('b');
    await waitFor(() => b.state.reason.kind === 'backend-unreachable', {
      clock,
      timeoutMs: 10_000,
      message: 'b past its deadline',
    });
    await clock.advance(5000);
    memory.heal('b');
    await waitFor(() => b.state.leaderId === 'a', { clock, timeoutMs: 10_000, message: 'b back' });
    expect(a.state.isLeader).toBe(true);
    expect(await registry.metrics()).toMatch(/^election_leaderless_seconds_total\{election="default"\} 0$/m);
  });

  it('counts nothing for a failover that happened while it was cut off (no TTL dated back on its return)', async () => {
    // c is cut off while a leads; meanwhile a crashes and b takes over. c saw no gap: a led as long
    // as c could see, b leads when it sees again. Its return (a fresh view, a has left it) is not
    // the moment a's leadership ended, so nothing may be dated back a TTL from it.
    const { clock, cluster: memory, node } = setup();
    const { a, b, c, registries } = await threeNodes(clock, node);
    const before = await leaderless(registries[2] as Registry);
    memory.partition('c');
    await waitFor(() => c.state.reason.kind === 'backend-unreachable', {
      clock,
      timeoutMs: 10_000,
      message: 'c past its deadline',
    });
    memory.partition('a'); // a crashes: its lease runs out, b takes over
    await waitFor(() => b.state.isLeader, { clock, timeoutMs: 10_000, message: 'b to lead' });
    expect(a.state.isLeader).toBe(false);
    await clock.advance(5000);
    memory.heal('c');
    await waitFor(() => c.state.leaderId === 'b', {
      clock,
      timeoutMs: 10_000,
      message: 'c back, seeing b lead',
    });
    const rose = (await leaderless(registries[2] as Registry)) - before;
    console.log(`metrics: c's leaderless_seconds_total rose by ${rose} s over a failover it did not see`);
    expect(rose).toBe(0);
  });

  it('never counts the same time twice: a leader lost twice within a TTL (view mode, no term)', async () => {
    // A crash-looping leader under the same id: its registration expires, it is back at once, and
    // expires again 100 ms later. Each loss is dated back a TTL, but never before the moment this
    // node last saw it back: the two gaps cannot overlap, so together they are at most the wall
    // time from a TTL before the first loss to the end.
    const { clock, cluster: memory, a, c } = leaderAndObserver('view');
    const registry = new Registry();
    collectElectorMetrics(c, { registry });
    await Promise.all([a.start(), c.start()]);
    await waitFor(() => c.state.leaderId === 'a', { clock, timeoutMs: 5000, message: 'c to see a lead' });
    await clock.advance(10_000);
    const firstLossAt = clock.now();
    for (const _ of [1, 2]) {
      memory.expire('a');
      await waitFor(() => c.state.leaderId === 'a' && a.state.phase === 'leader', {
        clock,
        stepMs: 1,
        timeoutMs: 5000,
        message: 'a back',
      });
      await clock.advance(100);
    }
    const counted = await leaderless(registry);
    const boundS = (clock.now() - (firstLossAt - TTL_MS)) / 1000;
    console.log(
      `metrics: two losses 100 ms apart counted ${counted} s (at most ${boundS} s of time to count)`,
    );
    expect(counted).toBeGreaterThan(0);
    expect(counted).toBeLessThanOrEqual(boundS);
  });

  it('still reports since when the leader leads once back from a cut-off (the same leadership)', async () => {
    const { clock, cluster: memory, node } = setup();
    const { c, registries } = await threeNodes(clock, node);
    const since = async () =>
      value(await (registries[2] as Registry).metrics(), of('election_leader_since_timestamp_seconds'));
    const before = await since();
    expect(before).toBeGreaterThan(0);
    memory.partition('c');
    await waitFor(() => c.state.reason.kind === 'backend-unreachable', {
      clock,
      timeoutMs: 10_000,
      message: 'c past its deadline',
    });
    memory.heal('c');
    await waitFor(() => c.state.leaderId === 'a' && c.state.reason.kind === 'outranked', {
      clock,
      timeoutMs: 10_000,
      message: 'c back, seeing a lead',
    });
    // a has led throughout, in the same term: c says so again, from when it first saw it.
    expect(await since()).toBe(before);
  });

  it('stops counting at the moment a follower that sees no leader goes blind (issue 20 review)', async () => {
    // c (an observer, so nobody takes over) sees a's lease run out: a gap, counted. Then c is cut
    // off too: from the moment it says it cannot see the backend, its blindness is not a gap. It
    // already saw no leader, so only its reason changes then; core delivers that as an event.
    const { clock, cluster: memory, a, c } = leaderAndObserver('confirmed');
    const registry = new Registry();
    collectElectorMetrics(c, { registry, ttlMs: TTL_MS });
    await Promise.all([a.start(), c.start()]);
    await waitFor(() => c.state.leaderId === 'a', { clock, timeoutMs: 5000, message: 'c to see a lead' });
    memory.partition('a'); // a crashes: its lease runs out, nobody else may lead
    await waitFor(() => c.state.leaderId === null, { clock, timeoutMs: 10_000, message: 'c to see a gone' });
    await clock.advance(1000);
    memory.partition('c');
    // Polled 1 ms at a time: read the moment c says it is blind, to within 1 ms.
    await waitFor(() => c.state.reason.kind === 'backend-unreachable', {
      clock,
      stepMs: 1,
      timeoutMs: 10_000,
      message: 'c past its deadline',
    });
    const atBlind = await leaderless(registry);
    await clock.advance(5000); // c stays blind, retrying its renewal meanwhile
    const later = await leaderless(registry);
    console.log(`metrics: a blind follower counted ${later - atBlind} s after it went blind (was 0.2-0.3 s)`);
    expect(c.state.reason.kind).toBe('backend-unreachable');
    expect(atBlind).toBeGreaterThan(1); // the gap it saw before going blind: a TTL dated back, then 1 s and more
    // Tolerance: the 1 ms poll step (the reading at blind may come up to one step after the change).
    expect(later - atBlind).toBeLessThanOrEqual(0.001);
  });

  it('agrees on a crash when a survivor joined after the leader last renewed (CI flake, lead22)', async () => {
    // c joins 400 ms after a's renewal, and a crashes before its next one. b and c see a's lease
    // expire in one change and date the gap back to a's last renewal alike. Before, c dated it back
    // only to its own first view of a, 0.4 s later: the two disagreed by 0.4 s (the etcd process
    // test's flake: 2.009 s on b, 1.488 s on c, c having joined just before the kill).
    const { clock, cluster, node } = setup();
    const [a, b] = ['a', 'b'].map(node) as [Elector, Elector];
    const registries = [b, node('c')].map((elector) => {
      const registry = new Registry();
      collectElectorMetrics(elector, { registry, ttlMs: TTL_MS });
      return registry;
    }) as [Registry, Registry];
    const c = electors[2] as Elector;
    let renewedAt = Number.NaN;
    a.subscribe((event) => {
      if (event.type === 'renewal') renewedAt = event.sentAt;
    });
    await startAll(clock, a, b);
    await waitFor(() => b.state.leaderId === 'a', { clock, timeoutMs: 5000, message: 'b to see a lead' });
    await clock.advance(1234);
    const step = { clock, stepMs: 1, timeoutMs: 5000 };
    // Right after a renewal of a's: it sends the next one a renewal interval (TTL/3) later.
    const seen = renewedAt;
    await waitFor(() => renewedAt > seen, { ...step, message: 'a to renew' });
    const lastRenewal = renewedAt;
    await clock.advance(400);
    await startAll(clock, c);
    await waitFor(() => c.state.leaderId === 'a' && c.state.members.length === 3, {
      ...step,
      message: 'c to see a lead',
    });
    const before = await Promise.all(registries.map(leaderless));
    expect(renewedAt).toBe(lastRenewal); // no renewal since: the crash comes before the next one
    cluster.partition('a');
    await a.stop({ resign: false });
    await waitFor(() => b.state.isLeader, { ...step, timeoutMs: 10_000, message: 'b to lead' });
    await waitFor(() => c.state.leaderId === 'b', { ...step, message: 'c to see b' });
    const electedAt = clock.now();
    const counted = (await Promise.all(registries.map(leaderless))).map((s, i) => s - (before[i] ?? 0));
    console.log(
      `metrics test: c joined 0.4 s after a's last renewal; leaderless_seconds_total rose by ${counted.map((s) => s.toFixed(3)).join(' s (b) and ')} s (c)`,
    );
    // Both from a's last renewal (its lease expired a TTL later) to when they saw b lead.
    for (const seconds of counted) expect(seconds).toBeCloseTo((electedAt - lastRenewal) / 1000, 2);
    expect(Math.abs((counted[0] ?? 0) - (counted[1] ?? Number.NaN))).toBeLessThanOrEqual(0.01);
  });

  it('does not count its own join as leaderless when a leader led throughout (a restarted follower)', async () => {
    const { clock, cluster: memory, node } = setup();
    const a = node('a');
    await a.start();
    await waitFor(() => a.state.isLeader, { clock, timeoutMs: 5000, message: 'a to lead' });
    memory.latency(500, { node: 'b' }); // a backend 500 ms away from b
    const b = node('b');
    const registry = new Registry();
    collectElectorMetrics(b, { registry, ttlMs: TTL_MS });
    const started = b.start();
    await waitFor(() => b.state.leaderId === 'a', { clock, timeoutMs: 10_000, message: 'b to see a' });
    await started;
    expect(a.state.isLeader).toBe(true);
    expect(await leaderless(registry)).toBe(0);
  });
});

const labels = (text: string) =>
  [...new Set([...text.matchAll(/election="([^"]*)"/g)].map((m) => m[1]))].sort();

describe('one registry, several electors (held on review20)', () => {
  it('keeps each election apart, removes only the unregistered one, and takes the label again after', async () => {
    const { clock, node: make } = setup();
    const [x, y] = [make('x'), make('y')];
    const registry = new Registry();
    const mx = collectElectorMetrics(x, { registry, election: 'jobs' });
    const my = collectElectorMetrics(y, { registry, election: 'billing' });
    expect(() => collectElectorMetrics(make('z'), { registry, election: 'jobs' })).toThrow(
      ConfigurationError,
    );
    await Promise.all([x.start(), y.start()]);
    await waitFor(() => x.state.leaderId !== null && y.state.leaderId !== null, {
      clock,
      timeoutMs: 5000,
      message: 'a leader in view',
    });
    expect(labels(await registry.metrics())).toEqual(['billing', 'jobs']);
    mx.unregister();
    mx.unregister();
    expect(labels(await registry.metrics())).toEqual(['billing']);
    const again = collectElectorMetrics(make('w'), { registry, election: 'jobs' });
    expect(labels(await registry.metrics())).toEqual(['billing', 'jobs']);
    my.unregister();
    again.unregister();
    expect((await registry.metrics()).trim()).toBe('');
    collectElectorMetrics(make('v'), { registry, election: 'jobs' }).unregister();
  });
});

/**
 * The tracker's known limit (README, "Leaderless time"), found by the adversarial review of round
 * 3: a late joiner dates a crash back by the full TTL, while a node that saw the crashed leadership
 * begin floors it at that beginning. When the leader crashes before its first renewal after taking
 * the lock, the late joiner counts more, by the time from that renewal to the takeover: at most a
 * renewal interval (TTL/3). Pinned, so that a change to it is a decision.
 */
describe('leaderless_seconds_total on survivors of a leader that crashed soon after it took over', () => {
  it('a node that joined after the takeover counts at most TTL/3 more than one that saw it (the known limit)', async () => {
    const { clock, cluster: memory, node } = setup();
    const collected = (elector: Elector) => {
      const registry = new Registry();
      collectElectorMetrics(elector, { registry, ttlMs: TTL_MS });
      return registry;
    };
    const [a, b, d] = ['a', 'b', 'd'].map(node) as [Elector, Elector, Elector];
    const dRegistry = collected(d);
    const step = { clock, stepMs: 1, timeoutMs: 10_000 };
    await a.start();
    await waitFor(() => a.state.isLeader, { ...step, message: 'a to lead' });
    await clock.advance(300); // b's renewals run out of phase with a's (and so with a's expiry)
    await Promise.all([b, d].map((e) => e.start()));
    await waitFor(() => d.state.leaderId === 'a' && d.state.members.length === 3, {
      ...step,
      message: 'd to see a',
    });
    let bRenewedAt = Number.NaN;
    b.subscribe((event) => {
      if (event.type === 'renewal') bRenewedAt = event.sentAt;
    });
    // a crashes: b takes over after a's lease expires; d sees the gap and its end.
    memory.partition('a');
    await a.stop({ resign: false });
    await waitFor(() => b.state.isLeader && d.state.leaderId === 'b', { ...step, message: 'b to lead' });
    const takeoverSeenAt = clock.now();
    const lastRenewal = bRenewedAt;
    // c joins right after the takeover, before b's next renewal; b then crashes.
    const c = node('c');
    const cRegistry = collected(c);
    await c.start();
    await waitFor(() => c.state.leaderId === 'b' && c.state.members.length === 3, {
      ...step,
      message: 'c to see b',
    });
    expect(bRenewedAt).toBe(lastRenewal); // b has not renewed since it took over
    const before = [await leaderless(cRegistry), await leaderless(dRegistry)];
    memory.partition('b');
    await b.stop({ resign: false });
    await waitFor(() => c.state.isLeader && d.state.leaderId === 'c', { ...step, message: 'c to lead' });
    const after = [await leaderless(cRegistry), await leaderless(dRegistry)];
    const [onC, onD] = after.map((s, i) => s - (before[i] ?? 0)) as [number, number];
    console.log(
      `b renewed last at ${lastRenewal - 1_000_000} ms, d saw b take over at ${takeoverSeenAt - 1_000_000} ms; leaderless rose by ${onC.toFixed(3)} s on c (joined after) and ${onD.toFixed(3)} s on d`,
    );
    const extraS = (takeoverSeenAt - lastRenewal) / 1000; // the part of a's gap c never saw
    expect(extraS).toBeGreaterThan(0);
    expect(extraS).toBeLessThanOrEqual(TTL_MS / 3 / 1000);
    expect(onC - onD).toBeGreaterThanOrEqual(extraS - 0.01);
    expect(onC - onD).toBeLessThanOrEqual(extraS + 0.01);
  }, 30_000);
});
