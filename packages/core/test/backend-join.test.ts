import { describe, expect, it, vi } from 'vitest';
import { BackendLifecycle, clientLifecycle, LifecycleError, OwnRegistrations } from '../src/adapter/index.js';

/** A backend whose own client is made on first use and closed (`close client N`) when released. */
function backend() {
  const events: string[] = [];
  let opened = 0;
  const client = clientLifecycle({
    create: () => `client ${++opened}`,
    close: (c) => events.push(`close ${c}`),
  });
  return {
    lifecycle: new BackendLifecycle<string>({ source: 'test', what: 'test membership backend', client }),
    events,
  };
}

/** A join of registration `r` whose session's set-up still waits for `ready`. */
function lifecycleJoin(
  { lifecycle, events }: ReturnType<typeof backend>,
  ready: (signal: AbortSignal) => Promise<unknown>,
  { callsEnded = true } = {},
) {
  const joining = lifecycle.join({
    register: async () => 'r',
    discard: async (registration) => events.push(`discard ${registration}`),
    open: (registration, client, ended) => {
      events.push(`open ${registration} on ${client}`);
      let open = true; // closing is idempotent, as a session's close() is
      return {
        close: () => {
          if (open) events.push('close session');
          open = false;
          if (callsEnded) ended();
        },
      };
    },
    ready: (_, signal) => ready(signal),
  });
  return { joining };
}

/** A promise and the functions that settle it. */
function deferred<T>() {
  let resolve: (value: T) => void = () => {};
  const promise = new Promise<T>((settle) => {
    resolve = settle;
  });
  return { promise, resolve };
}

describe('BackendLifecycle.join', () => {
  it('registers on the held client, then adopts the session until it ends: close() closes the ones still open', async () => {
    const { lifecycle, events } = backend();
    const ends: Array<() => void> = [];
    const join = (name: string) =>
      lifecycle.join({
        register: async (client) => `${name} on ${client}`,
        open: (registration, _, ended) => {
          ends.push(ended);
          events.push(`open ${registration}`);
          return { close: () => events.push(`close ${name}`) };
        },
      });
    await join('a');
    await join('b');
    ends[0]?.(); // a ended by itself: b still holds the client
    expect(events).toEqual(['open a on client 1', 'open b on client 1']);
    lifecycle.close();
    expect(events).toEqual(['open a on client 1', 'open b on client 1', 'close b', 'close client 1']);
  });

  it('close() while the join is in flight: the join is aborted, its registration discarded on the still open client, then the client closes', async () => {
    const { lifecycle, events } = backend();
    const registered = deferred<string>();
    let registerSignal: AbortSignal | undefined;
    const joining = lifecycle.join({
      register: (_, signal) => {
        registerSignal = signal;
        return registered.promise;
      },
      discard: async (registration, client) => {
        events.push(`discard ${registration} on ${client}`);
        throw new Error('could not'); // a failed discard is ignored: the registration expires by TTL
      },
      open: () => {
        events.push('opened');
        return { close: () => {} };
      },
    });
    const closed = lifecycle.close();
    expect(registerSignal?.aborted).toBe(true);
    expect(registerSignal?.reason).toBeInstanceOf(LifecycleError);
    // The join is still in flight (this register ignores its signal): the client stays open for it.
    expect(events).toEqual([]);
    registered.resolve('lease 7');
    await expect(joining).rejects.toThrow(LifecycleError);
    await expect(joining).rejects.toThrow('[test] This test membership backend was closed while joining.');
    await closed;
    expect(events).toEqual(['discard lease 7 on client 1', 'close client 1']);
  });

  it('ready: the join returns once it has; its failure, or a close() meanwhile, closes the session and fails the join', async () => {
    // Fails: the session is closed, the registration discarded, the join rejects with ready's
    // error, and the client is let go even by a session whose close() does not call `ended`.
    const failing = backend();
    const readyFailed = lifecycleJoin(
      failing,
      async () => {
        throw new Error('probe round failed');
      },
      { callsEnded: false },
    );
    await expect(readyFailed.joining).rejects.toThrow('probe round failed');
    expect(failing.events).toEqual(['open r on client 1', 'close session', 'discard r', 'close client 1']);

    // close() while ready waits: ready's signal aborts, the session closes, the registration is
    // discarded, and the join fails with LifecycleError.
    const closing = backend();
    let readySignal: AbortSignal | undefined;
    const waiting = deferred<void>();
    const overtaken = lifecycleJoin(closing, (signal) => {
      readySignal = signal;
      return waiting.promise;
    });
    await vi.waitFor(() => expect(readySignal).toBeDefined());
    const closed = closing.lifecycle.close();
    expect(readySignal?.aborted).toBe(true);
    waiting.resolve();
    await expect(overtaken.joining).rejects.toThrow(
      '[test] This test membership backend was closed while joining.',
    );
    await closed;
    expect(closing.events).toEqual(['open r on client 1', 'close session', 'discard r', 'close client 1']);

    // A ready that fails on the abort: the LifecycleError carries it as its cause.
    const aborting = backend();
    const aborted = lifecycleJoin(aborting, (signal) => {
      signal.throwIfAborted();
      return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
    });
    await vi.waitFor(() => expect(aborting.events).toEqual(['open r on client 1']));
    await aborting.lifecycle.close();
    const error = await aborted.joining.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LifecycleError);
    expect((error as Error).cause).toBeInstanceOf(LifecycleError);
    expect(aborting.events).toEqual(['open r on client 1', 'close session', 'discard r', 'close client 1']);

    // Ready: the join returns the session, open.
    const fine = backend();
    const joined = lifecycleJoin(fine, async () => {});
    await expect(joined.joining).resolves.toBeDefined();
    expect(fine.events).toEqual(['open r on client 1']);
  });

  it("close() aborts a join through its signal: the join fails with LifecycleError (the abort as its cause), and close() settles once the join's work has", async () => {
    const { lifecycle, events } = backend();
    const request = new AbortController();
    let settled = false;
    const joining = lifecycle.join({
      signal: request.signal,
      register: (client, signal) =>
        new Promise<string>((_, reject) =>
          signal.addEventListener('abort', () => {
            events.push(`aborted on ${client}`);
            reject(signal.reason);
          }),
        ),
      open: () => ({ close: () => {} }),
    });
    const failed = joining.catch((error: Error) => error);
    void lifecycle.close().then(() => {
      settled = true;
    });
    const error = await failed;
    expect(error).toBeInstanceOf(LifecycleError);
    expect((error as Error).message).toBe('[test] This test membership backend was closed while joining.');
    expect((error as Error).cause).toBeInstanceOf(LifecycleError);
    await Promise.resolve();
    expect(settled).toBe(true);
    expect(events).toEqual(['aborted on client 1', 'close client 1']);
  });

  it("the request's own abort reaches register's signal, and the join fails with the request's reason", async () => {
    const { lifecycle } = backend();
    const request = new AbortController();
    const joining = lifecycle.join({
      signal: request.signal,
      register: (_, signal) =>
        new Promise<string>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
      open: () => ({ close: () => {} }),
    });
    request.abort(new Error('gave up'));
    await expect(joining).rejects.toThrow('gave up');
    expect(lifecycle.closed).toBe(false);
  });

  it('close() after the session is made, before the join returned: the join fails, the registration is discarded, the session walked away', async () => {
    const { lifecycle, events } = backend();
    const joining = lifecycle.join({
      register: async (client) => `lease 9 on ${client}`,
      discard: async (registration) => {
        events.push(`discard ${registration}`);
      },
      open: () => {
        void lifecycle.close(); // another part of the app stops, right as the session is made
        return { close: () => events.push('session closed') };
      },
    });
    await expect(joining).rejects.toThrow('[test] This test membership backend was closed while joining.');
    await lifecycle.close();
    expect(events).toEqual(['session closed', 'discard lease 9 on client 1', 'close client 1']);
  });

  it('close() closes the client after drainMs even when work in flight never ends, and settles then', async () => {
    const events: string[] = [];
    const lifecycle = new BackendLifecycle<string>({
      source: 'test',
      what: 'test membership backend',
      drainMs: 20,
      client: clientLifecycle({ create: () => 'client 1', close: (c) => events.push(`close ${c}`) }),
    });
    lifecycle.client();
    lifecycle.hold(); // a revocation that never answers
    const startedAt = performance.now();
    await lifecycle.close();
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(15);
    expect(events).toEqual(['close client 1']);
    // close() again: the same settled promise, nothing closed twice.
    await lifecycle.close();
    expect(events).toEqual(['close client 1']);
  });

  it('close() with a leave in flight closes the client once the leave is done, not before', async () => {
    const { lifecycle, events } = backend();
    let ended = () => {};
    await lifecycle.join({
      register: async (client) => `a on ${client}`,
      open: (_, __, end) => {
        ended = end;
        return { close: () => events.push('close a') };
      },
    });
    const leaving = lifecycle.hold(); // a leave's requests
    ended(); // the session left
    const closed = lifecycle.close();
    expect(events).toEqual([]);
    leaving();
    await closed;
    expect(events).toEqual(['close client 1']);
  });

  it('a session that ends while it is being made is let go: it holds no client, close() does not reach it', async () => {
    const { lifecycle, events } = backend();
    await lifecycle.join({
      register: async (client) => `a on ${client}`,
      open: (registration, _, ended) => {
        events.push(`open ${registration}`);
        ended(); // lost before open() returned (a first read that found its record gone, say)
        return { close: () => events.push('close a') };
      },
    });
    // Nothing holds the client any more: it was released as soon as the join's own use ended.
    expect(events).toEqual(['open a on client 1', 'close client 1']);
    lifecycle.close();
    expect(events).toEqual(['open a on client 1', 'close client 1']);
  });

  it('a session whose open() throws is let go, and the join fails with that error', async () => {
    const { lifecycle, events } = backend();
    const failed = await lifecycle
      .join({
        register: async (client) => `a on ${client}`,
        open: () => {
          throw new Error('could not open');
        },
      })
      .catch((error: Error) => error.message);
    expect(failed).toBe('could not open');
    expect(events).toEqual(['close client 1']);
  });

  it('a closed backend refuses the join before anything is registered', async () => {
    const { lifecycle } = backend();
    lifecycle.close();
    let registered = false;
    await expect(
      lifecycle.join({
        register: async () => {
          registered = true;
        },
        open: () => ({ close: () => {} }),
      }),
    ).rejects.toThrow(/was closed; create a new one/);
    expect(registered).toBe(false);
  });
});

describe('OwnRegistrations', () => {
  it('granted, abandoned, gone; an unknown registration is not marked unless asked', () => {
    const own = new OwnRegistrations({ limit: 10 });
    own.granted('a');
    expect(own.isActive('a')).toBe(true);
    own.abandoned('a');
    own.abandoned('never granted');
    expect(own.isActive('a')).toBe(false);
    expect(own.isAbandoned('a')).toBe(true);
    expect(own.listAbandoned()).toEqual(['a']);
    own.gone('a');
    expect(own.isAbandoned('a')).toBe(false);
    const walkedAway = new OwnRegistrations({ limit: 10, abandonUnknown: true });
    walkedAway.abandoned('s');
    expect(walkedAway.isAbandoned('s')).toBe(true);
  });

  it('forgets the oldest abandoned ones past the limit, never an active one', () => {
    const own = new OwnRegistrations({ limit: 2 });
    own.granted('live');
    for (const id of ['a', 'b', 'c']) {
      own.granted(id);
      own.abandoned(id);
    }
    expect(own.isActive('live')).toBe(true);
    expect(own.listAbandoned()).toEqual(['c']);
    own.abandoned('live');
    own.granted('d');
    own.abandoned('d');
    // Abandoned too now, so 'c', the oldest abandoned, goes first.
    expect(own.listAbandoned()).toEqual(['live', 'd']);
  });

  it('revoke: success or "already gone" forgets it; any other failure is thrown and it stays', async () => {
    const own = new OwnRegistrations({ limit: 10 });
    const goneError = new Error('not found');
    own.granted('a');
    own.abandoned('a');
    await expect(
      own.revoke(
        'a',
        () => Promise.reject(new Error('timeout')),
        (e) => e === goneError,
      ),
    ).rejects.toThrow('timeout');
    expect(own.isAbandoned('a')).toBe(true);
    await own.revoke(
      'a',
      () => Promise.reject(goneError),
      (e) => e === goneError,
    );
    expect(own.isAbandoned('a')).toBe(false);
    own.granted('b');
    await own.revoke(
      'b',
      async () => {},
      () => false,
    );
    expect(own.isActive('b')).toBe(false);
  });

  it('revokeInBackground: each failure goes to onError, nothing waits', async () => {
    const own = new OwnRegistrations({ limit: 10 });
    const failures: string[] = [];
    const revoked: string[] = [];
    own.revokeInBackground(
      ['a', 'b'],
      async (id) => {
        if (id === 'b') throw new Error(`no ${id}`);
        revoked.push(id);
      },
      (error, id) => failures.push(`${id}: ${(error as Error).message}`),
    );
    expect(failures).toEqual([]);
    await vi.waitFor(() => expect(failures).toEqual(['b: no b']));
    expect(revoked).toEqual(['a']);
  });

  it('revokeInBackground: a revoke that throws at once (a closed backend) reaches onError too, not the caller', async () => {
    const own = new OwnRegistrations({ limit: 10 });
    const failures: string[] = [];
    own.revokeInBackground(
      ['a'],
      () => {
        throw new Error('closed');
      },
      (error, id) => failures.push(`${id}: ${(error as Error).message}`),
    );
    await vi.waitFor(() => expect(failures).toEqual(['a: closed']));
  });
});

describe('clientLifecycle', () => {
  it("a caller's client is used as it is and never closed; an own client is made per open and closed on release", () => {
    const closed: string[] = [];
    const given = clientLifecycle({ given: 'theirs' });
    expect(given.open()).toBe('theirs');
    given.release('theirs');
    let made = 0;
    const own = clientLifecycle({
      create: () => `ours ${++made}`,
      close: (client: string) => closed.push(client),
    });
    expect(own.open()).toBe('ours 1');
    own.release('ours 1');
    own.release(undefined);
    expect(own.open()).toBe('ours 2');
    expect(closed).toEqual(['ours 1']);

    // Through the lifecycle: close() of the backend leaves the caller's client open too.
    const lifecycle = new BackendLifecycle({ source: 'test', what: 'x', client: given });
    expect(lifecycle.client()).toBe('theirs');
    lifecycle.close();
    expect(closed).toEqual(['ours 1']);
  });
});
