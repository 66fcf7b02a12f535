import { describe, expect, it } from 'vitest';
import {
  ConfigurationError,
  createElector,
  InvalidIdError,
  LeadershipLostError,
  LifecycleError,
  runWhileLeader,
} from '../src/index.js';
import { member, startScripted } from './support/fixtures.js';
import { createScriptedBackend } from './support/scripted-backend.js';

describe('elector lifecycle and API', () => {
  it('stop() resigns: demotes, then leaves the backend', async () => {
    const { elector, session, events } = await startScripted();
    session.acquireWith = async () => 1n;
    session.emit({ type: 'snapshot', members: [member('b')] });
    await elector.waitForLeadership();
    await elector.stop();
    expect(events).toContainEqual({ type: 'demoted', reason: 'stopped', term: 1n });
    expect(session.left).toBe(true);
    expect(elector.state).toMatchObject({ phase: 'stopped', isLeader: false, leaderId: null });
  });

  it('stop({ resign: false }) walks away like a crash: closes without leaving', async () => {
    const { elector, session } = await startScripted();
    await elector.stop({ resign: false });
    expect(session.closed).toBe(true);
    expect(session.left).toBe(false);
  });

  it('refuses start() twice and start() after stop()', async () => {
    const { elector } = await startScripted();
    await expect(elector.start()).rejects.toBeInstanceOf(LifecycleError);
    await elector.stop();
    await expect(elector.start()).rejects.toThrow(/after stop/);
  });

  it('stops when the signal aborts', async () => {
    const controller = new AbortController();
    const { elector, session } = await startScripted({ signal: controller.signal });
    controller.abort();
    await new Promise((resolve) => setImmediate(resolve));
    expect(elector.state.phase).toBe('stopped');
    expect(session.left).toBe(true);
  });

  it('rejects bad options with messages that say what to change', () => {
    const membership = createScriptedBackend({ lock: false, wholeSecondTtl: true, minTtlMs: 2000 });
    expect(() => createElector({ id: '', membership })).toThrow(InvalidIdError);
    expect(() => createElector({ id: 'a/b', membership })).toThrow(/contains "\/"/);
    expect(() => createElector({ id: 'a', membership, mode: 'confirmed' })).toThrow(
      /has none. Use mode "view"/,
    );
    expect(() => createElector({ id: 'a', membership, ttlMs: 1000 })).toThrow(ConfigurationError);
    expect(() => createElector({ id: 'a', membership, ttlMs: 2500 })).toThrow(/Use 3000/);
    expect(() => createElector({ id: 'a', membership, priority: Number.NaN })).toThrow(/finite number/);
  });

  it('waitForLeadership rejects when the signal aborts or the elector stops', async () => {
    const { elector } = await startScripted();
    const controller = new AbortController();
    const waiting = elector.waitForLeadership({ signal: controller.signal });
    controller.abort(new Error('gave up'));
    await expect(waiting).rejects.toThrow('gave up');
    const second = elector.waitForLeadership();
    await elector.stop();
    await expect(second).rejects.toBeInstanceOf(LifecycleError);
  });

  it('changes() yields the current state, then the states after each change, and ends on stop', async () => {
    const { elector, session } = await startScripted({ mode: 'view' }, false);
    const seen: string[] = [];
    const consumed = (async () => {
      for await (const state of elector.changes()) seen.push(`${state.phase}:${state.leaderId}`);
    })();
    session.emit({ type: 'snapshot', members: [member('b')] });
    await new Promise((resolve) => setImmediate(resolve));
    await elector.stop();
    await consumed;
    expect(seen[0]).toBe('follower:null');
    expect(seen).toContain('leader:b');
    expect(seen.at(-1)).toBe('stopped:null');
  });

  it('runWhileLeader runs the task with the term and aborts it on demotion', async () => {
    const { elector, session, clock } = await startScripted();
    session.acquireWith = async () => 21n;
    const runs: { term: bigint | null; reason?: unknown }[] = [];
    const loop = runWhileLeader(elector, (signal, term) => {
      const run: { term: bigint | null; reason?: unknown } = { term };
      runs.push(run);
      return new Promise<void>((resolve) => {
        signal.addEventListener('abort', () => {
          run.reason = signal.reason;
          resolve();
        });
      });
    });
    session.emit({ type: 'snapshot', members: [member('b')] });
    await clock.advance(1);
    expect(runs).toEqual([{ term: 21n }]);
    session.emit({ type: 'put', member: member('a') });
    await clock.advance(1);
    expect(runs[0]?.reason).toBeInstanceOf(LeadershipLostError);
    await elector.stop();
    await loop;
  });

  it('runWhileLeader surfaces a task error raised while still leader', async () => {
    const { elector, session } = await startScripted();
    session.acquireWith = async () => 1n;
    const loop = runWhileLeader(elector, async () => {
      throw new Error('task failed');
    });
    session.emit({ type: 'snapshot', members: [member('b')] });
    await expect(loop).rejects.toThrow('task failed');
    await elector.stop();
  });
});
