import { describe, expect, it } from 'vitest';
import { ElectionFeed, type FeedSnapshot, type Member, MIN_POLL_PAUSE_MS } from '../src/adapter/index.js';
import { createTestClock } from './support/manual-clock.js';
import { recordingLogger } from './support/recording-logger.js';

// review17: a poll's pause is min(intervalMs, soonerMs(read)). A soonerMs that answers NaN (a
// computed expiry gone wrong) makes the pause NaN: Math.min/Math.max pass NaN through. The test
// clock never fires a NaN timer (the feed stalls: no read ever again); Node's setTimeout takes NaN
// as 1 ms (a hot loop). Either way intervalMs, documented as the longest pause, is not kept.
const m = (id: string): Member => ({ id, priority: 0, observer: false, meta: {} });
const flush = async () => {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
};

/** A started feed that polls every 1000 ms at most, with `soonerMs`; its first three reads answer. */
function pollingFeed(soonerMs: () => number) {
  const clock = createTestClock(0);
  let reads = 0;
  const feed = new ElectionFeed<FeedSnapshot>({
    clock,
    logger: recordingLogger().logger,
    poll: { intervalMs: 1000, soonerMs },
    read: () => {
      reads++;
      return reads <= 3 ? Promise.resolve({ members: [m('a')], revision: 1n }) : new Promise(() => {});
    },
    onError: () => {},
  });
  feed.start();
  return { clock, feed, reads: () => reads };
}

describe('review17: ElectionFeed poll with a soonerMs that is not a number', () => {
  it('a NaN soonerMs falls back to intervalMs: the next read comes after the interval, not never (or at once)', async () => {
    const { clock, feed, reads } = pollingFeed(() => Number.NaN);
    await flush();
    expect(reads()).toBe(1);
    await clock.advance(999);
    expect(reads()).toBe(1);
    await clock.advance(1);
    expect(reads()).toBe(2); // 16f0ddf: 1 (the NaN pause never ends on this clock; 1 ms with setTimeout)
    feed.stop();
  });
});

describe('fix17: ElectionFeed poll with a soonerMs at or below zero', () => {
  it('the pause is clamped to MIN_POLL_PAUSE_MS: no back-to-back reads', async () => {
    const { clock, feed, reads } = pollingFeed(() => -3);
    await flush();
    expect(reads()).toBe(1);
    await clock.advance(MIN_POLL_PAUSE_MS - 1);
    expect(reads()).toBe(1); // before: 3 (a 0 ms pause after every read)
    await clock.advance(1);
    expect(reads()).toBe(2);
    feed.stop();
  });
});
