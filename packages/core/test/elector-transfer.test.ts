import { describe, expect, it } from 'vitest';
import type { LeaderLock, Member } from '../src/index.js';
import { member, startScripted } from './support/fixtures.js';

/**
 * b, on a backend with a direct transfer (answering `answer`), sees `members` with a (the
 * best-ranked) holding the lock, then a's holding handed to b: b leads on it while it excludes a
 * (a's leave has not reached b yet, so b's view still ranks a first). Every transfer is recorded.
 */
async function handedToB(members: Member[], answer: bigint | null) {
  const started = await startScripted({ handoverDelayMs: 0 });
  const { elector, session, clock } = started;
  const transfers: Array<{ token: bigint; to: string }> = [];
  (session.lock as { transfer?: LeaderLock['transfer'] }).transfer = async (token, to) => {
    transfers.push({ token, to });
    return answer;
  };
  session.emit({ type: 'snapshot', members });
  session.setHolder({ id: 'a', token: 3n });
  await clock.advance(10);
  session.setHolder({ id: 'b', token: 5n, handed: true });
  await clock.advance(10);
  expect(elector.state).toMatchObject({ isLeader: true, term: 5n });
  return { ...started, transfers };
}

const a = member('a', { priority: -10 });

/** The runtime's side of the direct handover (issue 21): whom a holding is handed to. */
describe('elector: direct transfer', () => {
  it('hands a holding over to the member it elects, never to the giver it still excludes', async () => {
    const { elector, session, clock, transfers } = await handedToB([a, member('b')], null);
    // c joins, ranked between a and b: b should hand over to c, the member it now elects.
    session.emit({ type: 'put', member: member('c', { priority: -5 }) });
    await clock.advance(10);
    expect(elector.state.isLeader).toBe(false);
    expect(transfers).toEqual([{ token: 5n, to: 'c' }]);
    await elector.stop();
  });

  it('on a graceful stop, hands over to the best other member, skipping a giver it still excludes', async () => {
    const { elector, transfers } = await handedToB([a, member('b'), member('d', { priority: 5 })], 6n);
    await elector.stop();
    expect(transfers).toEqual([{ token: 5n, to: 'd' }]);
  });

  it("keeps excluding the giver across a snapshot that repeats the giver's record unchanged", async () => {
    const { elector, session, clock, transfers } = await handedToB([a, member('b')], 6n);
    // Consul reports every change as a full snapshot (etcd after a watch recovery): another member
    // joins, the giver's record is the same. That is no change of the giver's record.
    session.emit({
      type: 'snapshot',
      members: [member('a', { priority: -10 }), member('b'), member('e', { priority: 5 })],
    });
    await clock.advance(10);
    expect(elector.state).toMatchObject({ isLeader: true, term: 5n });
    expect(transfers).toEqual([]);
    await elector.stop();
  });

  it('does not exclude a giver the view already ranks below this node: a drain right after the handover hands straight back', async () => {
    // a handed b the holding because b outranks it (a's record already shows that), then b drains
    // itself: the view now elects a, and b hands over at once, not one TTL later (the exclusion only
    // covers a giver's record that has not reached this node yet).
    const { elector, session, clock, transfers } = await handedToB(
      [member('a', { priority: 10 }), member('b')],
      6n,
    );
    session.emit({ type: 'put', member: member('b', { priority: 20 }) });
    await clock.advance(10);
    expect(transfers).toEqual([{ token: 5n, to: 'a' }]);
    expect(elector.state.isLeader).toBe(false);
    await elector.stop();
  });
});
