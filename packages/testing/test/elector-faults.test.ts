import { createElector, type Elector } from '@election/core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  assertStays,
  createManualClock,
  createMemoryCluster,
  type ManualClock,
  type MemoryCluster,
  waitFor,
} from '../src/index.js';

// The faults only the memory backend can inject, played against real electors from core.
const TTL = 3000;
let electors: Elector[] = [];
let cluster: MemoryCluster | undefined;

afterEach(async () => {
  // Walk away: a leader's resigning stop waits (on the manual clock, which nothing advances here)
  // for the answer to its lock release when a test left answers slow (latency).
  await Promise.all(electors.map((e) => e.stop({ resign: false })));
  electors = [];
  cluster?.dispose();
});

function setup(): { clock: ManualClock; memory: MemoryCluster; start: (id: string) => Promise<Elector> } {
  const clock = createManualClock();
  let seed = 42;
  const random = () => {
    seed = (seed * 48271) % 2147483647;
    return seed / 2147483647;
  };
  const memory = createMemoryCluster({ clock, random });
  cluster = memory;
  const start = async (id: string) => {
    const elector = createElector({
      id,
      membership: memory.backend(),
      clock,
      ttlMs: TTL,
      backoff: { random },
    });
    electors.push(elector);
    const started = elector.start();
    await clock.flush();
    await started;
    return elector;
  };
  return { clock, memory, start };
}

const leaders = () => electors.filter((e) => e.state.isLeader).map((e) => e.id);
const oneLeaderAtMost = () => leaders().length <= 1;

/** Samples every elector after every event of any of them; returns the instants with two leaders. */
function watchForTwoLeaders(clock: ManualClock): string[] {
  const violations: string[] = [];
  for (const elector of electors) {
    elector.subscribe((event) => {
      if (!oneLeaderAtMost())
        violations.push(`${leaders()} at ${clock.now()} after ${elector.id} ${event.type}`);
    });
  }
  return violations;
}

describe('electors on the memory backend under faults', () => {
  it('a partitioned leader steps down by its own deadline, before the server lets anyone else lead', async () => {
    const { clock, memory, start } = setup();
    const a = await start('node-a');
    const b = await start('node-b');
    await waitFor(() => a.state.isLeader && b.state.leaderId === 'node-a', {
      clock,
      timeoutMs: 1000,
      message: 'node-a leads',
    });
    const firstTerm = a.state.term;
    memory.partition('node-a');
    const cutAt = clock.now();
    let aDemotedAt: number | undefined;
    let bElectedAt: number | undefined;
    let aLeadingWhenBElected: boolean | undefined;
    a.on('demoted', () => {
      aDemotedAt ??= clock.now();
    });
    b.on('elected', () => {
      bElectedAt = clock.now();
      aLeadingWhenBElected = a.state.isLeader;
    });
    await waitFor(() => b.state.isLeader, {
      clock,
      timeoutMs: 2 * TTL,
      message: 'node-b to take over from the partitioned node-a',
    });
    expect(aLeadingWhenBElected).toBe(false);
    expect(aDemotedAt).toBeDefined();
    expect(aDemotedAt).toBeLessThan(bElectedAt as number);
    expect((bElectedAt as number) - cutAt).toBeLessThanOrEqual(TTL);
    const bTerm = b.state.term as bigint;
    expect(bTerm).toBeGreaterThan(firstTerm as bigint);

    memory.heal('node-a');
    await waitFor(() => a.state.isLeader && b.state.leaderId === 'node-a', {
      clock,
      timeoutMs: 3 * TTL,
      message: 'the healed node-a to rejoin and take over again',
    });
    expect(a.state.term).toBeGreaterThan(bTerm);
    expect(memory.fencedTokens()).toEqual([...memory.fencedTokens()].sort((x, y) => (x < y ? -1 : 1)));
  });

  it('an expired leader hears it is lost, rejoins and leads again with a greater term', async () => {
    const { clock, memory, start } = setup();
    const a = await start('node-a');
    const b = await start('node-b');
    await waitFor(() => a.state.isLeader, { clock, timeoutMs: 1000, message: 'node-a leads' });
    const demotions: string[] = [];
    a.on('demoted', (event) => demotions.push(event.reason));
    const before = a.state.term as bigint;
    memory.expire('node-a'); // the session reports the loss at once; the elector demotes at once
    expect(a.state.isLeader).toBe(false);
    expect(demotions).toEqual(['session-lost']);
    await waitFor(() => a.state.isLeader && b.state.leaderId === 'node-a', {
      clock,
      timeoutMs: 2000,
      message: 'node-a leads again',
    });
    expect(a.state.term).toBeGreaterThan(before);
  });

  it('never two leaders while one node sees every change late and out of step with the rest', async () => {
    const { clock, memory, start } = setup();
    memory.delay(400, { node: 'node-a', jitter: true });
    const b = await start('node-b');
    await start('node-c');
    const a = await start('node-a');
    const violations = watchForTwoLeaders(clock);
    await assertStays(oneLeaderAtMost, { clock, durationMs: 1000, message: 'at most one leader' });
    await waitFor(() => a.state.isLeader && b.state.leaderId === 'node-a', {
      clock,
      timeoutMs: 2000,
      message: 'node-a leads',
    });
    const stopping = a.stop();
    await assertStays(oneLeaderAtMost, {
      clock,
      durationMs: 1000,
      message: 'at most one leader after node-a resigned',
    });
    await stopping;
    await waitFor(() => b.state.isLeader, { clock, timeoutMs: 2000, message: 'node-b leads' });
    expect(violations).toEqual([]);
  });

  it('a candidate whose "lock is held" answer raced the release still takes the lock', async () => {
    // The answer to tryAcquire() (sent while node-a held the lock) arrives after the holder watch
    // already showed the release; the candidate must not then wait for a holder change that has
    // already happened (that would leave the cluster leaderless until the 5 s resync).
    const { clock, memory, start } = setup();
    const a = await start('node-a');
    await waitFor(() => a.state.isLeader, { clock, timeoutMs: 1000, message: 'node-a leads' });
    memory.delay(300, { node: 'node-a' }); // node-a hears of the better member late
    memory.latency(200, { node: 'zz' }); // answers to zz's calls take 200 ms
    const zz = createElector({ id: 'zz', priority: -1, membership: memory.backend(), clock, ttlMs: TTL });
    electors.push(zz);
    const started = zz.start();
    await waitFor(() => zz.state.phase !== 'joining', { clock, timeoutMs: 1000, message: 'zz joined' });
    await started;
    await waitFor(() => zz.state.isLeader, {
      clock,
      timeoutMs: 2000,
      message: 'zz to lead well before the resync interval',
      describe: () =>
        `zz phase=${zz.state.phase} leader=${zz.state.leaderId}; server lock holder=${memory.lockHolder()?.id ?? null}`,
    });
  });
});
