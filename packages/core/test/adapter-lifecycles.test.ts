import { describe, expect, it } from 'vitest';
import {
  BackendLifecycle,
  ConfigurationError,
  hasControlCharacter,
  keyLayout,
  LifecycleError,
  optionChecks,
  SessionLifecycle,
  type SessionLifecycleOptions,
  SessionLostError,
  sameHolder,
  sameMembers,
} from '../src/adapter/index.js';
import { recordingLogger } from './support/recording-logger.js';

function session(extra: Partial<SessionLifecycleOptions> = {}) {
  const stops: number[] = [];
  const lifecycle = new SessionLifecycle({
    logger: recordingLogger().logger,
    source: 'test',
    what: 'test session',
    stop: () => stops.push(stops.length),
    ...extra,
  });
  return { lifecycle, stops };
}

describe('SessionLifecycle', () => {
  it('lose: active → lost once; the machinery stops before the cleanup, which runs before onLost', () => {
    const { lifecycle, stops } = session();
    const order: string[] = [];
    lifecycle.onLost((cause) => order.push(`onLost ${cause.message}`));
    expect(lifecycle.lose(new Error('gone'), () => order.push(`cleanup after ${stops.length} stop`))).toBe(
      true,
    );
    expect(lifecycle.lose(new Error('again'))).toBe(false);
    expect(order).toEqual(['cleanup after 1 stop', 'onLost gone']);
    expect(lifecycle.state).toBe('lost');
    expect(stops).toHaveLength(1);
    expect(() => lifecycle.assertActive()).toThrow(SessionLostError);
  });

  it('a late onLost listener hears the loss once, on a microtask', async () => {
    const { lifecycle } = session();
    lifecycle.lose(new Error('gone'));
    const heard: string[] = [];
    lifecycle.onLost((cause) => heard.push(cause.message));
    expect(heard).toEqual([]);
    await Promise.resolve();
    expect(heard).toEqual(['gone']);
  });

  it('end: from active stops once and says so; from lost does not stop again; once left or closed, nothing', () => {
    const active = session();
    expect(active.lifecycle.end('closed')).toBe('active');
    expect(active.lifecycle.end('left')).toBeUndefined();
    expect(active.stops).toHaveLength(1);
    expect(active.lifecycle.lose(new Error('late'))).toBe(false);
    expect(() => active.lifecycle.assertActive('taking the lock')).toThrow(LifecycleError);
    expect(() => active.lifecycle.assertActive('taking the lock')).toThrow(
      /closed; join again before taking the lock/,
    );

    const lost = session();
    lost.lifecycle.lose(new Error('gone'));
    expect(lost.lifecycle.end('left')).toBe('lost');
    expect(lost.stops).toHaveLength(1);
    expect(lost.lifecycle.state).toBe('left');
  });

  it('keepLost: a lost session stays lost when closed or left, and says so each time', () => {
    const { lifecycle, stops } = session({ keepLost: true });
    lifecycle.lose(new Error('gone'));
    expect(lifecycle.end('closed')).toBe('lost');
    expect(lifecycle.end('left')).toBe('lost');
    expect(lifecycle.state).toBe('lost');
    expect(stops).toHaveLength(1);
    expect(() => lifecycle.assertActive()).toThrow(SessionLostError);
  });

  it("message: the adapter's own wording, same classes", () => {
    const message = (state: string, operation: string) => `${operation}: ${state}`;
    const lost = session({ message });
    lost.lifecycle.lose(new Error('gone'));
    expect(() => lost.lifecycle.assertActive('update()')).toThrow(SessionLostError);
    expect(() => lost.lifecycle.assertActive('update()')).toThrow('update(): lost');
    const closed = session({ message });
    closed.lifecycle.end('closed');
    expect(() => closed.lifecycle.assertActive('update()')).toThrow(LifecycleError);
    expect(() => closed.lifecycle.assertActive('update()')).toThrow('update(): closed');
  });

  it('leave runs its work once, however often it is called', async () => {
    const { lifecycle } = session();
    let runs = 0;
    const work = async () => {
      runs++;
    };
    const first = lifecycle.leave(work);
    expect(lifecycle.leave(work)).toBe(first);
    await first;
    expect(runs).toBe(1);
  });

  it('onError: every listener hears, a throwing one does not stop the others', () => {
    const { lifecycle } = session();
    const heard: string[] = [];
    lifecycle.onError(() => {
      throw new Error('bad listener');
    });
    lifecycle.onError((error) => heard.push(error.message));
    lifecycle.reportError(new Error('blip'));
    expect(heard).toEqual(['blip']);
  });
});

describe('BackendLifecycle', () => {
  function backend(close?: (client: string | undefined) => void) {
    const events: string[] = [];
    let opened = 0;
    const lifecycle = new BackendLifecycle<string>({
      source: 'test',
      what: 'test membership backend',
      client: {
        open: () => {
          opened++;
          events.push(`open ${opened}`);
          return `client ${opened}`;
        },
        release: (client) => events.push(`release ${client}`),
        ...(close === undefined ? {} : { close }),
      },
    });
    return { lifecycle, events };
  }

  it('opens the client on first use, releases it when the last use ends, opens a new one on the next', async () => {
    const { lifecycle, events } = backend();
    const done = lifecycle.retain();
    const session = { close: () => events.push('session closed') };
    const ended = lifecycle.adopt(session);
    await lifecycle.using(async (client) => events.push(`used ${client}`));
    done();
    expect(events).toEqual(['open 1', 'used client 1']);
    ended();
    ended();
    expect(events).toEqual(['open 1', 'used client 1', 'release client 1']);
    expect(lifecycle.client()).toBe('client 2');
  });

  it('a hold opens nothing; the release hook still runs when it ends (a client that idles by itself)', () => {
    const { lifecycle, events } = backend();
    lifecycle.retain()();
    const done = lifecycle.hold();
    done();
    expect(events).toEqual(['open 1', 'release client 1', 'release undefined']);
  });

  it('close: closes the sessions still open and the client, for good; later uses throw or do nothing', () => {
    const closes: Array<string | undefined> = [];
    const { lifecycle, events } = backend((client) => closes.push(client));
    lifecycle.retain();
    lifecycle.adopt({ close: () => events.push('session closed') });
    lifecycle.close();
    lifecycle.close();
    expect(events).toEqual(['open 1', 'session closed']);
    expect(closes).toEqual(['client 1']);
    expect(() => lifecycle.client()).toThrow(LifecycleError);
    expect(() => lifecycle.assertOpen()).toThrow(/test membership backend was closed; create a new one/);
    lifecycle.retain()();
    expect(events).toEqual(['open 1', 'session closed']);
  });

  it("closedMessage: the adapter's own wording of a call on a closed backend", () => {
    const lifecycle = new BackendLifecycle({
      source: 'test',
      what: 'x',
      closedMessage: 'use makeX() again.',
    });
    lifecycle.close();
    expect(() => lifecycle.assertOpen()).toThrow(LifecycleError);
    expect(() => lifecycle.assertOpen()).toThrow('use makeX() again.');
  });
});

describe('optionChecks', () => {
  const checks = optionChecks('test');

  it('positiveMs: the fallback when undefined; a ConfigurationError in ms otherwise', () => {
    expect(checks.positiveMs('requestTimeoutMs', undefined, 2000)).toBe(2000);
    expect(checks.positiveMs('requestTimeoutMs', 150, 2000)).toBe(150);
    for (const bad of [0, -1, Number.NaN, '5'])
      expect(() => checks.positiveMs('requestTimeoutMs', bad, 2000)).toThrow(
        /requestTimeoutMs must be a positive number of milliseconds, got/,
      );
    expect(() => checks.positiveMs('x', 0, 1)).toThrow(ConfigurationError);
  });

  it('wholeNumber: bounds and unit in the message', () => {
    const range = { min: 1, max: 600, unit: 'seconds' };
    expect(checks.wholeNumber('watchWaitSeconds', undefined, 60, range)).toBe(60);
    expect(checks.wholeNumber('watchWaitSeconds', 600, 60, range)).toBe(600);
    for (const bad of [0, 601, 1.5])
      expect(() => checks.wholeNumber('watchWaitSeconds', bad, 60, range)).toThrow(
        `watchWaitSeconds must be a whole number of seconds from 1 to 600, got ${bad}.`,
      );
  });

  it('hasControlCharacter: C0 always, DEL and C1 only when asked', () => {
    expect(hasControlCharacter('a\nb')).toBe(true);
    expect(hasControlCharacter('a\u007fb')).toBe(false);
    expect(hasControlCharacter('a\u007fb', { c1: true })).toBe(true);
    expect(hasControlCharacter('a\u0085b', { c1: true })).toBe(true);
    expect(hasControlCharacter('plain/key')).toBe(false);
  });
});

describe('sameMembers, sameHolder', () => {
  it('members: equal field for field and in order; holders: same id and token, handed or not', () => {
    expect(sameMembers([{ id: 'a', priority: 1 }], [{ id: 'a', priority: 1 }])).toBe(true);
    expect(sameMembers([{ id: 'a', priority: 1 }], [{ id: 'a', priority: 2 }])).toBe(false);
    expect(sameMembers([{ id: 'a' }, { id: 'b' }], [{ id: 'b' }, { id: 'a' }])).toBe(false);
    expect(sameHolder(null, null)).toBe(true);
    expect(sameHolder({ id: 'a', token: 5n }, { id: 'a', token: 5n, handed: true })).toBe(true);
    expect(sameHolder({ id: 'a', token: 5n }, { id: 'a', token: 6n })).toBe(false);
    expect(sameHolder({ id: 'a', token: 5n }, null)).toBe(false);
  });
});

describe('keyLayout', () => {
  it('verbatim ids: member keys and back; any other key under the root names no member', () => {
    const layout = keyLayout('election', 'default');
    expect(layout.root).toBe('election/default/');
    expect(layout.leaderKey).toBe('election/default/leader');
    expect(layout.memberKey('node-1')).toBe('election/default/members/node-1');
    expect(layout.memberIdOf('election/default/members/node-1')).toBe('node-1');
    for (const key of [
      'election/default/members/',
      'election/default/members/a/b',
      'election/default/leader',
    ])
      expect(layout.memberIdOf(key)).toBeUndefined();
  });

  it('an id codec writes and reads the last segment', () => {
    const layout = keyLayout('p', 'e', {
      encode: (id) => encodeURIComponent(id),
      decode: (segment) => (segment === '' ? undefined : decodeURIComponent(segment)),
    });
    expect(layout.memberKey('a b')).toBe('p/e/members/a%20b');
    expect(layout.memberIdOf('p/e/members/a%20b')).toBe('a b');
  });
});
