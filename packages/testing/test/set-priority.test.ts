import { createElector, type Elector } from '@election/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createManualClock, createMemoryCluster, waitFor } from '../src/index.js';

/** setPriority (issue 21's switchover) on the in-memory backend, with a manual clock. */
describe('elector.setPriority', () => {
  const clock = createManualClock();
  let cluster = createMemoryCluster({ clock });
  let electors: Elector[] = [];
  afterEach(async () => {
    await Promise.all(electors.map((elector) => elector.stop()));
    cluster.dispose();
    cluster = createMemoryCluster({ clock });
    electors = [];
  });
  const node = (id: string, options: { observer?: boolean } = {}) => {
    const elector = createElector({ id, membership: cluster.backend(), clock, ttlMs: 3000, ...options });
    electors.push(elector);
    return elector;
  };
  const settle = async (started: Promise<void>, check: () => boolean, message: string) => {
    await waitFor(check, { clock, timeoutMs: 3000, message });
    await started;
  };

  it('moves leadership off the leader without it leaving: the outranked leader hands over directly', async () => {
    const a = node('a');
    const b = node('b');
    await settle(
      Promise.all([a.start(), b.start()]).then(() => undefined),
      () => a.state.isLeader,
      'a to lead',
    );
    const term = a.state.term!;
    await a.setPriority(10);
    await waitFor(() => b.state.isLeader && !a.state.isLeader, {
      clock,
      timeoutMs: 3000,
      message: 'b to lead',
    });
    expect(b.state.term).toBeGreaterThan(term);
    // a is still a member, ranked after b, and the backend holds its new record.
    expect(a.state.members.map((m) => [m.id, m.priority ?? 0])).toEqual([
      ['b', 0],
      ['a', 10],
    ]);
    expect(cluster.members().find((m) => m.id === 'a')?.priority).toBe(10);
  });

  it("changes an observer's priority in place; it stays an observer and never leads", async () => {
    const a = node('a');
    const o1 = node('o1', { observer: true });
    const o2 = node('o2', { observer: true });
    await settle(
      Promise.all([a.start(), o1.start(), o2.start()]).then(() => undefined),
      () => o2.state.leaderId === 'a' && o2.state.members.length === 3,
      'o2 to see a lead',
    );
    await o2.setPriority(-5);
    await waitFor(() => a.state.members.find((m) => m.id === 'o2')?.priority === -5, {
      clock,
      timeoutMs: 3000,
      message: "a to see o2's new priority",
    });
    const seen = a.state.members
      .map((m) => [m.id, m.priority ?? 0, m.observer === true] as const)
      .sort(([x], [y]) => x.localeCompare(y));
    expect(seen).toEqual([
      ['a', 0, false],
      ['o1', 0, true],
      ['o2', -5, true],
    ]);
    expect(cluster.members().find((m) => m.id === 'o2')).toMatchObject({ priority: -5, observer: true });
    expect(a.state.isLeader).toBe(true);
    expect(o2.state.isLeader).toBe(false);
  });
});
