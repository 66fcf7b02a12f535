import { describe, expect, it } from 'vitest';
import {
  ElectionFeed,
  type ElectionFeedOptions,
  type FeedSink,
  type FeedSnapshot,
  type LockHolder,
  type Member,
  type MembershipEvent,
} from '../src/adapter/index.js';
import { createTestClock } from './support/manual-clock.js';
import { recordingLogger } from './support/recording-logger.js';

const m = (id: string, priority = 0): Member => ({ id, priority, observer: false, meta: {} });
const flush = async () => {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
};

/** A feed whose reads answer from `answers` (in turn; the last repeats) and record their `after`. */
function feedOf(
  answers: Array<FeedSnapshot | Error | 'hang'>,
  extra: Partial<ElectionFeedOptions<FeedSnapshot>> = {},
) {
  const clock = createTestClock(0);
  const log = recordingLogger();
  const afters: bigint[] = [];
  const errors: Array<{ error: unknown; retryInMs: number; during: string }> = [];
  let i = 0;
  const feed = new ElectionFeed<FeedSnapshot>({
    clock,
    logger: log.logger,
    backoff: { random: () => 1 },
    read: (_signal, after) => {
      afters.push(after);
      const answer = answers[Math.min(i++, answers.length - 1)];
      if (answer === 'hang') return new Promise(() => {});
      return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer as FeedSnapshot);
    },
    onError: (error, retryInMs, during) => errors.push({ error, retryInMs, during }),
    ...extra,
  });
  const members: MembershipEvent[] = [];
  const holders: Array<[LockHolder, bigint | undefined]> = [];
  feed.watchMembers((event) => members.push(event));
  feed.watchHolder((holder, revision) => holders.push([holder, revision]));
  return { clock, log, feed, afters, errors, members, holders, reads: () => i };
}

describe('ElectionFeed: reads (blocking query, poll)', () => {
  it('publishes a read, and hands the current view at once to a late listener', async () => {
    const t = feedOf([{ members: [m('a')], holder: { id: 'a', token: 5n }, revision: 5n }, 'hang']);
    t.feed.start();
    await flush();
    expect(t.members).toEqual([{ type: 'snapshot', members: [m('a')] }]);
    expect(t.holders).toEqual([[{ id: 'a', token: 5n }, 5n]]);
    const late: MembershipEvent[] = [];
    const lateHolders: unknown[] = [];
    t.feed.watchMembers((event) => late.push(event));
    t.feed.watchHolder((holder, revision) => lateHolders.push([holder, revision]));
    expect(late).toEqual([{ type: 'snapshot', members: [m('a')] }]);
    expect(lateHolders).toEqual([[{ id: 'a', token: 5n }, 5n]]);
    t.feed.stop();
  });

  it('keeps the blocking-query rules: waits past the last index, drops an unchanged answer, resets when it goes backwards, never blocks on 0', async () => {
    const t = feedOf(
      [
        { members: [m('a')], revision: 7n },
        { members: [m('a'), m('b')], revision: 7n }, // same index: nothing changed, not published
        { members: [m('b')], revision: 3n }, // backwards: published, and the next read starts over
        { members: [m('c')], revision: 0n }, // 0: taken as 1
        'hang',
      ],
      { pace: { burst: 10, intervalMs: 0 } },
    );
    t.feed.start();
    await flush();
    expect(t.afters).toEqual([0n, 7n, 7n, 0n, 1n]);
    expect(t.members.map((e) => (e.type === 'snapshot' ? e.members.map((x) => x.id).join() : ''))).toEqual([
      'a',
      'b',
      'c',
    ]);
    expect(t.feed.revision).toBe(1n);
    t.feed.stop();
  });

  it('an answer without a revision: one warning, then debug lines, and the next read starts from 0', async () => {
    const t = feedOf([{ members: [m('a')] }, { members: [m('a')] }, 'hang'], {
      noRevision: 'no index; polling',
      pace: { burst: 10, intervalMs: 0 },
    });
    t.feed.start();
    await flush();
    expect(t.afters).toEqual([0n, 0n, 0n]);
    expect(t.log.lines.filter((l) => l.msg === 'no index; polling').map((l) => l.level)).toEqual([
      'warn',
      'debug',
    ]);
    t.feed.stop();
  });

  it('dedupe: equal members are not published again; the same holder is, at a newer revision only', async () => {
    const holder = { id: 'a', token: 2n };
    const t = feedOf(
      [
        { members: [m('a')], holder, revision: 2n },
        { members: [m('a')], holder, revision: 3n },
        { members: [m('a'), m('b')], holder, revision: 3n },
        'hang',
      ],
      { dedupe: true, pace: { burst: 10, intervalMs: 0 } },
    );
    t.feed.start();
    await flush();
    expect(t.members).toHaveLength(1);
    expect(t.holders).toEqual([
      [holder, 2n],
      [holder, 3n],
    ]);
    // Published by the adapter itself (Consul's lock-delay tracker): the same rule.
    t.feed.publishHolder(holder, 3n);
    t.feed.publishHolder(null, 3n);
    expect(t.holders.at(-1)).toEqual([null, 3n]);
    expect(t.holders).toHaveLength(3);
    t.feed.stop();
  });

  it('paces reads with a token bucket: the burst at once, then one per interval', async () => {
    const t = feedOf(
      [
        { members: [m('a')], revision: 1n },
        ...Array.from({ length: 9 }, (_, k) => ({ members: [m('a')], revision: BigInt(k + 2) })),
      ],
      {
        pace: { burst: 2, intervalMs: 100 },
      },
    );
    t.feed.start();
    await flush();
    expect(t.reads()).toBe(2);
    await t.clock.advance(99);
    expect(t.reads()).toBe(2);
    await t.clock.advance(1);
    expect(t.reads()).toBe(3);
    await t.clock.advance(300);
    expect(t.reads()).toBe(6);
    t.feed.stop();
  });

  it('a failed read is retried after a capped, jittered backoff, which a success resets', async () => {
    const t = feedOf(
      [
        new Error('down'),
        new Error('down'),
        new Error('down'),
        { members: [m('a')], revision: 1n },
        new Error('down'),
        'hang',
      ],
      { backoff: { initialMs: 100, maxMs: 300, random: () => 1 } },
    );
    t.feed.start();
    await t.clock.advance(1000);
    expect(t.errors.map((e) => [e.retryInMs, e.during])).toEqual([
      [100, 'read'],
      [200, 'read'],
      [300, 'read'],
      [100, 'read'],
    ]);
    t.feed.stop();
  });

  it('stop(): a late answer is dropped, listeners hear nothing more, no timer is left', async () => {
    let answer: (value: FeedSnapshot) => void = () => {};
    const clock = createTestClock(0);
    const events: unknown[] = [];
    const feed = new ElectionFeed({
      clock,
      logger: recordingLogger().logger,
      read: () => new Promise<FeedSnapshot>((resolve) => (answer = resolve)),
      onError: () => {},
    });
    feed.watchMembers((event) => events.push(event));
    feed.start();
    await flush();
    feed.stop();
    answer({ members: [m('a')], revision: 1n });
    await flush();
    expect(events).toEqual([]);
    expect(feed.members).toBeUndefined();
    expect(clock.pendingTimers()).toBe(0);
  });
});

describe('ElectionFeed: a push follow (etcd watch)', () => {
  function followed(
    initial: FeedSnapshot,
    reads: FeedSnapshot[],
    extra: Partial<ElectionFeedOptions<FeedSnapshot>> = {},
  ) {
    const sinks: FeedSink[] = [];
    const closed: number[] = [];
    const froms: Array<bigint | undefined> = [];
    const t = feedOf(reads, {
      initial,
      confirmWithinMs: 500,
      follow: (from, sink) => {
        froms.push(from.revision);
        sinks.push(sink);
        return () => closed.push(sinks.length);
      },
      ...extra,
    });
    return { ...t, sinks, closed, froms };
  }

  it('applies changes: a put that changes nothing and a delete of nobody are dropped; the revision only grows', async () => {
    const t = followed({ members: [m('a')], holder: null, revision: 10n }, []);
    t.feed.start();
    const sink = t.sinks[0];
    sink?.confirmed();
    sink?.changes(() => [
      { member: { type: 'put', member: m('a') }, revision: 11n },
      { member: { type: 'put', member: m('b') }, revision: 12n },
      { member: { type: 'delete', id: 'x' }, revision: 13n },
      { holder: { id: 'b', token: 14n }, revision: 14n },
      { holder: { id: 'b', token: 14n }, revision: 15n },
      { member: { type: 'put', member: m('a', 1) }, revision: 9n },
    ]);
    expect(t.members.map((e) => e.type)).toEqual(['snapshot', 'put', 'put']);
    expect(t.feed.members).toEqual([m('a', 1), m('b')]);
    expect(t.holders).toEqual([
      [null, 10n],
      [{ id: 'b', token: 14n }, 14n],
    ]);
    expect(t.feed.revision).toBe(15n);
    expect(t.froms).toEqual([10n]);
    t.feed.stop();
  });

  it('a failed follow: backoff, a fresh read published whole (holder too, even unchanged), then a follow from it', async () => {
    const t = followed({ members: [m('a')], holder: null, revision: 10n }, [
      { members: [m('a'), m('b')], holder: null, revision: 20n },
    ]);
    t.feed.start();
    t.sinks[0]?.confirmed();
    t.sinks[0]?.fail(new Error('compacted'));
    t.sinks[0]?.changes(() => [{ member: { type: 'put', member: m('late') } }]); // dropped: that follow is over
    await flush();
    expect(t.errors.map((e) => [(e.error as Error).message, e.during])).toEqual([['compacted', 'follow']]);
    await t.clock.advance(100);
    expect(t.members.at(-1)).toEqual({ type: 'snapshot', members: [m('a'), m('b')] });
    expect(t.holders).toEqual([
      [null, 10n],
      [null, 20n],
    ]);
    expect(t.froms).toEqual([10n, 20n]);
    t.feed.stop();
    expect(t.closed).toEqual([1, 2]);
  });

  it('a follow not confirmed in time counts as failed; a throwing change does too', async () => {
    const t = followed({ members: [], holder: null, revision: 1n }, [
      { members: [], holder: null, revision: 2n },
    ]);
    t.feed.start();
    await t.clock.advance(500);
    expect(String(t.errors[0]?.error)).toBe('Error: the watch was not confirmed within 500 ms');
    await t.clock.advance(100);
    t.sinks[1]?.confirmed();
    t.sinks[1]?.changes(() => {
      throw new Error('bad event');
    });
    await flush();
    expect(String(t.errors[1]?.error)).toBe('Error: bad event');
    t.feed.stop();
  });

  it("self: an update without this session's record bound to its owner calls gone first, and is withheld once that stops the feed", async () => {
    const gone: Array<string | undefined> = [];
    let feed: ElectionFeed | undefined;
    const t = followed(
      { members: [m('a')], owners: new Map([['a', 'L1']]), holder: null, revision: 1n },
      [],
      {
        self: {
          id: 'a',
          owner: 'L1',
          gone: (owner) => {
            gone.push(owner);
            feed?.stop();
          },
        },
      },
    );
    feed = t.feed;
    t.feed.start();
    t.sinks[0]?.changes(() => [{ member: { type: 'put', member: m('b') }, owner: 'L2', revision: 2n }]);
    expect(gone).toEqual([]);
    t.sinks[0]?.changes(() => [{ member: { type: 'put', member: m('a', 3) }, owner: 'L9', revision: 3n }]);
    expect(gone).toEqual(['L9']);
    expect(t.members.map((e) => e.type)).toEqual(['snapshot', 'put']);
    expect(t.feed.ownerOf('b')).toBe('L2');
  });

  it("a holding says handed only when bound to this session's own registration", () => {
    const handed = { id: 'a', token: 3n, handed: true };
    const t = followed(
      { members: [m('a')], owners: new Map([['a', 'L1']]), holder: null, revision: 1n },
      [],
      {
        self: { id: 'a', owner: 'L1', gone: () => {} },
      },
    );
    t.feed.start();
    t.sinks[0]?.changes(() => [{ holder: handed, holderOwner: 'L2', revision: 3n }]);
    t.sinks[0]?.changes(() => [{ holder: null, revision: 4n }]);
    t.sinks[0]?.changes(() => [{ holder: { ...handed, token: 5n }, holderOwner: 'L1', revision: 5n }]);
    expect(t.holders.slice(1)).toEqual([
      [{ id: 'a', token: 3n }, 3n],
      [null, 4n],
      [{ id: 'a', token: 5n, handed: true }, 5n],
    ]);
    t.feed.stop();
  });

  it('showedEnd: a holding is known ended once the feed is at or past its token without it', () => {
    const t = followed({ members: [], holder: { id: 'b', token: 4n }, revision: 4n }, []);
    t.feed.start();
    expect(t.feed.showedEnd(4n)).toBe(false); // still shown
    expect(t.feed.showedEnd(6n)).toBe(false); // not yet reached: may be on its way
    t.sinks[0]?.changes(() => [{ holder: null, revision: 6n }]);
    expect(t.feed.showedEnd(4n)).toBe(true);
    expect(t.feed.showedEnd(6n)).toBe(true);
    t.feed.stop();
  });
});

describe('ElectionFeed: a poll (a row-based backend: reads that do not block)', () => {
  const read = (ids: string[], revision: bigint, soonerMs?: number) =>
    ({ members: ids.map((id) => m(id)), revision, soonerMs }) as FeedSnapshot & { soonerMs?: number };
  const poll = {
    intervalMs: 1000,
    soonerMs: (snapshot: FeedSnapshot) => (snapshot as { soonerMs?: number }).soonerMs,
  };

  it('reads again after the interval from the initial read, and publishes a read at the same revision (a row expired)', async () => {
    const t = feedOf([read(['a'], 7n), 'hang'], { poll, dedupe: true, initial: read(['a', 'b'], 7n) });
    t.feed.start();
    await flush();
    expect(t.reads()).toBe(0);
    await t.clock.advance(999);
    expect(t.reads()).toBe(0);
    await t.clock.advance(1);
    expect(t.reads()).toBe(1);
    expect(t.members.at(-1)).toEqual({ type: 'snapshot', members: [m('a')] });
    t.feed.stop();
  });

  it('reads sooner when a read says so (its first row expires), and at once on wake()', async () => {
    const t = feedOf([read(['a', 'b'], 1n, 300), read(['a'], 1n), read(['a'], 2n), 'hang'], { poll });
    t.feed.start();
    await flush();
    expect(t.reads()).toBe(1);
    await t.clock.advance(299);
    expect(t.reads()).toBe(1);
    await t.clock.advance(1);
    expect(t.reads()).toBe(2);
    t.feed.wake();
    await flush();
    expect(t.reads()).toBe(3);
    expect(t.afters).toEqual([0n, 0n, 0n]);
    t.feed.stop();
  });

  it('a wake() during a read makes the next read follow it without a pause', async () => {
    let answer: (snapshot: FeedSnapshot) => void = () => {};
    let reads = 0;
    const feed = new ElectionFeed<FeedSnapshot>({
      clock: createTestClock(0),
      logger: recordingLogger().logger,
      poll,
      read: () => {
        reads++;
        return new Promise((resolve) => {
          answer = resolve;
        });
      },
      onError: () => {},
    });
    feed.start();
    await flush();
    expect(reads).toBe(1);
    feed.wake();
    answer(read(['a'], 1n));
    await flush();
    expect(reads).toBe(2);
    feed.stop();
  });
});

describe('ElectionFeed: a poll after a failed read', () => {
  it('a wake() during the backoff reads at once; one during the failed read does not skip the backoff', async () => {
    let fail: (error: Error) => void = () => {};
    const t = feedOf([], {
      poll: { intervalMs: 1000 },
      read: () =>
        new Promise<FeedSnapshot>((_, reject) => {
          fail = reject;
        }),
    });
    t.feed.start();
    await flush();
    t.feed.wake(); // during the read that fails
    fail(new Error('down'));
    await flush();
    expect(t.errors).toHaveLength(1);
    await t.clock.advance(50); // within the 100 ms backoff: no new read, so nothing more fails
    fail(new Error('late'));
    await flush();
    expect(t.errors).toHaveLength(1);
    t.feed.wake(); // during the backoff: a read at once
    await flush();
    fail(new Error('down again'));
    await flush();
    expect(t.errors).toHaveLength(2);
    t.feed.stop();
  });
});
