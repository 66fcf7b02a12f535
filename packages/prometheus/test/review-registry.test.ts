import { ConfigurationError, createElector, type Elector } from '@election/core';
import { collectElectorMetrics } from '@election/prometheus';
import { createManualClock, createMemoryCluster, type MemoryCluster, waitFor } from '@election/testing';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';

/** Review of issue 20: two electors in one registry, unregister and collect again (held on review20). */
let cluster: MemoryCluster | undefined;
const electors: Elector[] = [];
afterEach(async () => {
  for (const elector of electors.splice(0)) await elector.stop({ resign: false });
  cluster?.dispose();
  cluster = undefined;
});

const labels = (text: string) =>
  [...new Set([...text.matchAll(/election="([^"]*)"/g)].map((m) => m[1]))].sort();

describe('review: one registry, several electors (holds)', () => {
  it('keeps each election apart, removes only the unregistered one, and takes the label again after', async () => {
    const clock = createManualClock(1_000_000);
    cluster = createMemoryCluster({ clock });
    const memory = cluster;
    const make = (id: string) => {
      const elector = createElector({ id, membership: memory.backend(), clock, ttlMs: 2000 });
      electors.push(elector);
      return elector;
    };
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
