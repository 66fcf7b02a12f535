import { describe, expect, it } from 'vitest';
import { member, startScripted } from './support/fixtures.js';

describe('elector in confirmed mode (view + backend lock)', () => {
  it('takes the lock when elected and reports its token as the term', async () => {
    const { elector, session, events } = await startScripted();
    session.acquireWith = async () => 7n;
    session.emit({ type: 'snapshot', members: [member('b'), member('c')] });
    await elector.waitForLeadership();
    expect(elector.state).toMatchObject({ isLeader: true, leaderId: 'b', term: 7n, phase: 'leader' });
    expect(events.filter((e) => e.type === 'elected')).toEqual([{ type: 'elected', term: 7n }]);
    await elector.stop();
  });

  it('waits as candidate while another node holds the lock, then takes it when freed', async () => {
    const { elector, session, clock } = await startScripted();
    let calls = 0;
    session.acquireWith = async () => {
      calls++;
      return null;
    };
    session.setHolder({ id: 'a', token: 3n });
    session.emit({ type: 'snapshot', members: [member('b')] });
    await clock.advance(100);
    expect(elector.state).toMatchObject({ phase: 'candidate', isLeader: false, leaderId: 'a', term: 3n });
    expect(calls).toBe(0);
    session.acquireWith = async () => 9n;
    session.setHolder(null);
    await clock.advance(10);
    expect(elector.state).toMatchObject({ isLeader: true, term: 9n });
    await elector.stop();
  });

  it('does not spin on tryAcquire when the lock is taken but the watch has not caught up', async () => {
    const { elector, session, clock } = await startScripted({ resyncIntervalMs: 5000 });
    let calls = 0;
    session.acquireWith = async () => {
      calls++;
      return null;
    };
    session.emit({ type: 'snapshot', members: [member('b')] });
    await clock.advance(1000);
    expect(calls).toBe(1);
    await clock.advance(5000); // the resync safety net asks once more
    expect(calls).toBe(2);
    await elector.stop();
  });

  it('hands over to a better member: demotes first, then releases the lock', async () => {
    const { elector, session, events, clock } = await startScripted();
    session.acquireWith = async () => 4n;
    session.emit({ type: 'snapshot', members: [member('b')] });
    await elector.waitForLeadership();
    let releasesWhenDemoted = -1;
    elector.on('demoted', () => {
      releasesWhenDemoted = session.releases;
    });
    session.emit({ type: 'put', member: member('a') });
    await clock.advance(1);
    expect(events).toContainEqual({ type: 'demoted', reason: 'handover', term: 4n });
    expect(releasesWhenDemoted).toBe(0);
    expect(session.releases).toBe(1);
    expect(elector.state.isLeader).toBe(false);
    await elector.stop();
  });

  it('with handoverDelayMs, ignores a better member that flaps away within the delay', async () => {
    const { elector, session, clock } = await startScripted({ handoverDelayMs: 1000 });
    session.acquireWith = async () => 4n;
    session.emit({ type: 'snapshot', members: [member('b')] });
    await elector.waitForLeadership();
    session.emit({ type: 'put', member: member('a') });
    await clock.advance(500);
    session.emit({ type: 'delete', id: 'a' });
    session.renew(clock.now() + 60_000);
    await clock.advance(1000);
    expect(elector.state).toMatchObject({ isLeader: true, term: 4n });
    expect(session.releases).toBe(0);
    session.emit({ type: 'put', member: member('a') });
    session.renew(clock.now() + 60_000);
    await clock.advance(1001);
    expect(elector.state.isLeader).toBe(false);
    expect(session.releases).toBe(1);
    await elector.stop();
  });

  it('ignores a stale "free" from the holder watch, but demotes once its own key is seen gone', async () => {
    const { elector, session, events, clock } = await startScripted();
    session.acquireWith = async () => 11n;
    session.emit({ type: 'snapshot', members: [member('b')] });
    await elector.waitForLeadership();
    session.setHolder(null); // older than our acquisition: the watch is behind
    expect(elector.state.isLeader).toBe(true);
    session.setHolder({ id: 'b', token: 11n });
    session.acquireWith = async () => null;
    session.setHolder(null); // now it is real: the key was deleted behind our back
    await clock.advance(1);
    expect(events).toContainEqual({ type: 'demoted', reason: 'lock-lost', term: 11n });
    expect(elector.state.isLeader).toBe(false);
    await elector.stop();
  });

  it('demotes when a newer holder appears', async () => {
    const { elector, session, events } = await startScripted();
    session.acquireWith = async () => 11n;
    session.emit({ type: 'snapshot', members: [member('b')] });
    await elector.waitForLeadership();
    session.setHolder({ id: 'x', token: 12n });
    expect(events).toContainEqual({ type: 'demoted', reason: 'lock-lost', term: 11n });
    expect(elector.state).toMatchObject({ leaderId: 'x', term: 12n, isLeader: false });
    await elector.stop();
  });

  it('gives the lock straight back when the view moved on while it was being acquired', async () => {
    const { elector, session, clock } = await startScripted();
    let grant: (token: bigint) => void = () => {};
    session.acquireWith = () => new Promise((resolve) => (grant = resolve));
    session.emit({ type: 'snapshot', members: [member('b')] });
    await clock.advance(1);
    session.emit({ type: 'put', member: member('a') });
    grant(5n);
    await clock.advance(1);
    expect(elector.state.isLeader).toBe(false);
    expect(session.releases).toBe(1);
    await elector.stop();
  });
});
