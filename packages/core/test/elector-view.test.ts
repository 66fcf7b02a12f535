import { describe, expect, it } from 'vitest';
import { member, startScripted } from './support/fixtures.js';

describe('elector in view mode (the seed rule, reacting to events)', () => {
  it('leads when the view ranks it first and steps down when a better member appears', async () => {
    const { elector, session, events } = await startScripted({ mode: 'view' }, false);
    session.emit({ type: 'snapshot', members: [member('b'), member('c')] });
    expect(elector.state).toMatchObject({ isLeader: true, leaderId: 'b', term: null, phase: 'leader' });
    session.emit({ type: 'put', member: member('a') });
    expect(elector.state).toMatchObject({ isLeader: false, leaderId: 'a', phase: 'follower' });
    expect(events).toContainEqual({ type: 'demoted', reason: 'view-changed', term: null });
    session.emit({ type: 'delete', id: 'a' });
    expect(elector.state.isLeader).toBe(true);
    await elector.stop();
  });

  it('never elects an observer, even one whose id sorts first', async () => {
    const { elector, session } = await startScripted({ mode: 'view', id: 'a', observer: true }, false);
    session.emit({ type: 'snapshot', members: [member('a', { observer: true }), member('z')] });
    expect(elector.state).toMatchObject({ isLeader: false, leaderId: 'z' });
    expect(elector.state.members.map((m) => m.id)).toEqual(['z', 'a']);
    await elector.stop();
  });

  it('keeps snapshots immutable: an old snapshot still lists the members of its moment', async () => {
    const { elector, session } = await startScripted({ mode: 'view' }, false);
    session.emit({ type: 'snapshot', members: [member('b'), member('c')] });
    const before = elector.state;
    session.emit({ type: 'put', member: member('a') });
    expect(before.members.map((m) => m.id)).toEqual(['b', 'c']);
    expect(elector.state.members.map((m) => m.id)).toEqual(['a', 'b', 'c']);
    expect(Object.isFrozen(before)).toBe(true);
    await elector.stop();
  });

  it('orders members by priority first', async () => {
    const { elector, session } = await startScripted({ mode: 'view', priority: 5 }, false);
    session.emit({
      type: 'snapshot',
      members: [member('b', { priority: 5 }), member('z', { priority: -1 })],
    });
    expect(elector.state).toMatchObject({ isLeader: false, leaderId: 'z' });
    await elector.stop();
  });
});
