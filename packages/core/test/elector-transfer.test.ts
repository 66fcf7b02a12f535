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

/**
 * Review of 609ac81 (issue 21): the exclusion ends "for good" the first time the view elects
 * someone else, so a third member that outranks the giver only for a moment (it joins and leaves,
 * or its drained record arrives after its old one) ends it; when the view then ranks the stale
 * giver first again, the holding is handed back to the giver that is leaving. With a handover
 * delay the handover to the third member is still pending when that happens.
 */
describe('elector: direct transfer, a third member outranks the giver for a moment (review)', () => {
  async function handedToBWithDelay() {
    const started = await startScripted({ handoverDelayMs: 1000 });
    const { elector, session, clock } = started;
    const transfers: Array<{ token: bigint; to: string }> = [];
    (session.lock as { transfer?: LeaderLock['transfer'] }).transfer = async (token, to) => {
      transfers.push({ token, to });
      return 6n;
    };
    session.emit({ type: 'snapshot', members: [a, member('b')] });
    session.setHolder({ id: 'a', token: 3n });
    await clock.advance(10);
    // a stops gracefully and hands its holding to b; a's leave has not reached b yet.
    session.setHolder({ id: 'b', token: 5n, handed: true });
    await clock.advance(10);
    expect(elector.state).toMatchObject({ isLeader: true, term: 5n });
    return { ...started, transfers };
  }

  it('a member that joins and leaves within the handover delay does not end the exclusion: no hand-back to the leaving giver', async () => {
    const { elector, session, clock, transfers } = await handedToBWithDelay();
    session.emit({ type: 'put', member: member('c', { priority: -20 }) });
    await clock.advance(10);
    session.emit({ type: 'delete', id: 'c' }); // c crashed or was stopped again
    await clock.advance(2000); // past the handover delay, well inside the TTL (60 s)
    expect(transfers).toEqual([]); // new rule: [{ token: 5n, to: 'a' }], to the giver that is leaving
    expect(elector.state).toMatchObject({ isLeader: true, term: 5n });
    await elector.stop();
  });

  it("a third member's stale high rank, then its drained record: no hand-back to the leaving giver", async () => {
    const { elector, session, clock, transfers } = await handedToBWithDelay();
    // c drained itself (setPriority 20) right after joining: b reads its two records apart.
    session.emit({ type: 'put', member: member('c', { priority: -20 }) });
    await clock.advance(10);
    session.emit({ type: 'put', member: member('c', { priority: 20 }) });
    await clock.advance(2000);
    expect(transfers).toEqual([]);
    expect(elector.state).toMatchObject({ isLeader: true, term: 5n });
    await elector.stop();
  });

  it('a graceful stop after such a moment does not hand the holding to the leaving giver', async () => {
    const { elector, session, clock, transfers } = await handedToBWithDelay();
    session.emit({ type: 'put', member: member('c', { priority: -20 }) });
    await clock.advance(10);
    session.emit({ type: 'delete', id: 'c' });
    await clock.advance(10); // still inside the handover delay
    await elector.stop();
    expect(transfers.map((t) => t.to)).not.toContain('a');
  });
});
