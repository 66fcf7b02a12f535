import { describe, expect, it } from 'vitest';
import type { LeaderLock } from '../src/index.js';
import { member, startScripted } from './support/fixtures.js';

/** The runtime's side of the direct handover (issue 21): whom a holding is handed to. */
describe('elector: direct transfer', () => {
  it('hands a holding over to the member it elects, never to the giver it still excludes', async () => {
    const { elector, session, clock } = await startScripted({ handoverDelayMs: 0 });
    const transfers: Array<{ token: bigint; to: string }> = [];
    (session.lock as { transfer?: LeaderLock['transfer'] }).transfer = async (token, to) => {
      transfers.push({ token, to });
      return null;
    };
    // a (best-ranked) leads; it stops gracefully and hands its holding to b. Its leave has not
    // reached b yet, so b's view still ranks a first: b excludes the giver while its record stays.
    session.emit({ type: 'snapshot', members: [member('a', { priority: -10 }), member('b')] });
    session.setHolder({ id: 'a', token: 3n });
    await clock.advance(10);
    session.setHolder({ id: 'b', token: 5n, handed: true });
    await clock.advance(10);
    expect(elector.state).toMatchObject({ isLeader: true, term: 5n });
    // c joins, ranked between a and b: b should hand over to c, the member it now elects.
    session.emit({ type: 'put', member: member('c', { priority: -5 }) });
    await clock.advance(10);
    expect(elector.state.isLeader).toBe(false);
    expect(transfers).toEqual([{ token: 5n, to: 'c' }]);
    await elector.stop();
  });

  it('on a graceful stop, hands over to the best other member, skipping a giver it still excludes', async () => {
    const { elector, session, clock } = await startScripted({ handoverDelayMs: 0 });
    const transfers: Array<{ token: bigint; to: string }> = [];
    (session.lock as { transfer?: LeaderLock['transfer'] }).transfer = async (token, to) => {
      transfers.push({ token, to });
      return 6n;
    };
    session.emit({
      type: 'snapshot',
      members: [member('a', { priority: -10 }), member('b'), member('d', { priority: 5 })],
    });
    session.setHolder({ id: 'a', token: 3n });
    await clock.advance(10);
    session.setHolder({ id: 'b', token: 5n, handed: true });
    await clock.advance(10);
    expect(elector.state).toMatchObject({ isLeader: true, term: 5n });
    await elector.stop();
    expect(transfers).toEqual([{ token: 5n, to: 'd' }]);
  });

  it("keeps excluding the giver across a snapshot that repeats the giver's record unchanged", async () => {
    const { elector, session, clock } = await startScripted({ handoverDelayMs: 0 });
    const transfers: Array<{ token: bigint; to: string }> = [];
    (session.lock as { transfer?: LeaderLock['transfer'] }).transfer = async (token, to) => {
      transfers.push({ token, to });
      return 6n;
    };
    session.emit({ type: 'snapshot', members: [member('a', { priority: -10 }), member('b')] });
    session.setHolder({ id: 'a', token: 3n });
    await clock.advance(10);
    session.setHolder({ id: 'b', token: 5n, handed: true });
    await clock.advance(10);
    expect(elector.state).toMatchObject({ isLeader: true, term: 5n });
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
});
