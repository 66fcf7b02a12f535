import { MalformedEntryError, type Member, type MembershipEvent } from '@election/core';
import { assertStays, waitFor } from '@election/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { type AdapterFixture, createAdapterFixture } from '../support/adapter-fixture.js';
import { createCaptureLogger } from '../support/capture-logger.js';
import { joinRequest } from '../support/join-request.js';

const latestIds = (events: MembershipEvent[]) => {
  const last = events.at(-1);
  return last?.type === 'snapshot' ? last.members.map((m: Member) => m.id) : [];
};

describe('membership watch: entries and blocking-query rules (against the Consul simulator)', () => {
  let fx: AdapterFixture;
  afterEach(async () => {
    await fx.cleanup();
  });

  it('skips malformed entries under the prefix, logging each once, and never crashes', async () => {
    fx = await createAdapterFixture();
    const logger = createCaptureLogger();
    const a = await fx.join(fx.backend(), joinRequest('node-a', { logger }));
    const errors: Error[] = [];
    a.onError((error) => errors.push(error));
    const { ID } = await fx.admin.session.create({ ttl: '30s' });
    const junk = {
      'not-json': '{oops',
      mismatch: JSON.stringify({ id: 'someone-else' }),
      'bad-priority': JSON.stringify({ id: 'bad-priority', priority: 'high' }),
      'nested/key': JSON.stringify({ id: 'nested/key' }),
    };
    for (const [id, value] of Object.entries(junk)) {
      await fx.admin.kv.set({ key: fx.memberKey(id), value, acquire: ID });
    }
    await fx.admin.kv.set(fx.memberKey('no-session'), JSON.stringify({ id: 'no-session' }));
    const events: MembershipEvent[] = [];
    a.watchMembers((event) => events.push(event));
    await fx.join(fx.backend(), joinRequest('node-b'));
    await fx.join(fx.backend(), joinRequest('node-c'));
    await waitFor(() => latestIds(events).length === 3, {
      timeoutMs: 2_000,
      message: 'node-b and node-c to appear',
    });
    expect(latestIds(events)).toEqual(['node-a', 'node-b', 'node-c']);
    const warned = logger.records.filter((r) => r.level === 'warn' && /skipping /.test(r.msg ?? ''));
    expect(warned.map((r) => (r.obj as { key: string }).key).sort()).toEqual(
      ['bad-priority', 'mismatch', 'nested/key', 'no-session', 'not-json'].map(fx.memberKey).sort(),
    );
    expect(errors.filter((e) => e instanceof MalformedEntryError)).toHaveLength(5);
  });

  it('resets the index to 0 when it goes backwards (snapshot restore), and keeps seeing changes', async () => {
    fx = await createAdapterFixture();
    const a = await fx.join(fx.backend({ watchWaitSeconds: 1 }), joinRequest('node-a'));
    const events: MembershipEvent[] = [];
    a.watchMembers((event) => events.push(event));
    const snapshot = fx.sim.state.snapshot();
    // Move the index far ahead, then restore: from the adapter's view the index went backwards.
    for (let i = 0; i < 20; i++) await fx.admin.kv.set('elsewhere', String(i));
    await fx.join(fx.backend(), joinRequest('node-b'));
    await waitFor(() => latestIds(events).length === 2, { timeoutMs: 2_000, message: 'node-b to appear' });
    fx.sim.state.restore(snapshot);
    await waitFor(() => latestIds(events).length === 1, {
      timeoutMs: 3_000,
      message: 'the restored view (node-a only)',
    });
    // Writes after the restore carry indexes below the one the adapter had: seen only after a reset.
    await fx.join(fx.backend(), joinRequest('node-c'));
    await waitFor(() => latestIds(events).join() === 'node-a,node-c', {
      timeoutMs: 3_000,
      message: 'node-c to appear',
    });
    const indexes = fx.sim.requests.filter((r) => r.query.has('recurse')).map((r) => r.query.get('index'));
    expect(indexes.lastIndexOf(null)).toBeGreaterThan(0);
  });

  it.each([
    // Token bucket: 2 at once, then one per 100 ms: about 12 in a second, not thousands.
    { limit: '100 ms', extra: { watchMinIntervalMs: 100 }, durationMs: 1_000, min: 5, max: 13 },
    // The default: 2 at once (Consul's advice), then one per 500 ms: at most 2 + 4 + 1 in 2 s.
    { limit: 'the default 500 ms', extra: {}, durationMs: 2_000, min: 3, max: 7 },
  ])(
    'never spins: when every blocking query returns at once, $limit rate-limits the queries',
    async ({ extra, durationMs, min, max }) => {
      fx = await createAdapterFixture();
      await fx.join(fx.backend(extra), joinRequest('node-a'));
      fx.sim.faults.answerBlockingAtOnce = true;
      const watches = () => fx.sim.requests.filter((r) => r.query.has('recurse')).length;
      const before = watches();
      await assertStays(() => true, { durationMs, message: 'time passes' });
      expect(watches() - before).toBeLessThanOrEqual(max);
      expect(watches() - before).toBeGreaterThanOrEqual(min);
    },
  );

  it('blocks on index 1, not 0, when Consul answers X-Consul-Index: 0', async () => {
    fx = await createAdapterFixture();
    fx.sim.faults.zeroIndex = true;
    await fx.join(fx.backend(), joinRequest('node-a'));
    await waitFor(() => fx.sim.state.waitingQueries() > 0, {
      timeoutMs: 2_000,
      message: 'a blocking query on index 1',
    });
    const last = fx.sim.requests.filter((r) => r.query.has('recurse')).at(-1);
    expect(last?.query.get('index')).toBe('1');
  });

  it('backs off (capped, jittered) while Consul is down, reporting errors, and resumes after', async () => {
    fx = await createAdapterFixture();
    const a = await fx.join(fx.backend(), joinRequest('node-a'));
    const errors: Error[] = [];
    a.onError((error) => errors.push(error));
    await fx.sim.stop();
    await assertStays(() => true, { durationMs: 1_500, message: 'Consul stays down' });
    const watchErrors = errors.filter((e) => /Could not watch/.test(e.message)).length;
    // 100, 200, 400, 800 ms ceilings with jitter: a handful of attempts, not a tight loop.
    expect(watchErrors).toBeGreaterThanOrEqual(2);
    expect(watchErrors).toBeLessThanOrEqual(8);
    await fx.sim.start();
    const events: MembershipEvent[] = [];
    a.watchMembers((event) => events.push(event));
    await fx.join(fx.backend(), joinRequest('node-b'));
    await waitFor(() => latestIds(events).length === 2, {
      timeoutMs: 5_000,
      message: 'node-b seen after the outage',
    });
  });
});
