import type { LeaderLock, LockHolder, MembershipBackend, MembershipSession } from '@election/core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ContractTestApi,
  createManualClock,
  createMemoryCluster,
  type MemoryCluster,
  outageTests,
  renewalLatencyTests,
  type SessionEnvironment,
  type SessionSuiteOptions,
  tryAcquireNullTests,
  type UserClient,
  userClientTests,
} from '../src/index.js';

// Each rule case of the session contract, shown failing against a backend (or environment) that
// breaks that rule on purpose, and passing against one that keeps it: the case can fail.

const clock = createManualClock();
afterEach(() => {
  expect(clock.pendingTimers()).toBe(0);
});

const options: SessionSuiteOptions = {
  name: 'rules',
  lock: true,
  ttlMs: 3000,
  clock,
  timeoutMs: 2000,
  leaveBoundMs: 1000,
};

type Group = typeof outageTests;

/** Registers `group` on a stub runner and returns its one case, run with its clean-up. */
function caseOf(group: Group, env: (cluster: MemoryCluster) => Partial<SessionEnvironment>) {
  const cases: Array<() => Promise<void>> = [];
  const cleanups: Array<() => Promise<void>> = [];
  const api: ContractTestApi = {
    describe: (_name, fn) => fn(),
    it: (_name, fn) => cases.push(fn),
    afterEach: (fn) => cleanups.push(fn),
  };
  group(
    api,
    () => {
      const cluster = createMemoryCluster({ clock });
      return { backend: () => cluster.backend(), teardown: async () => cluster.dispose(), ...env(cluster) };
    },
    options,
  );
  expect(cases).toHaveLength(1);
  return async () => {
    try {
      await cases[0]?.();
    } finally {
      for (const cleanup of cleanups) await cleanup();
    }
  };
}

/** A backend that hands out `wrap(session)` instead of its own sessions. */
function wrapSessions(
  backend: MembershipBackend,
  wrap: (session: MembershipSession) => MembershipSession,
): MembershipBackend {
  return {
    name: backend.name,
    capabilities: backend.capabilities,
    join: async (request) => wrap(await backend.join(request)),
    close: () => backend.close(),
  };
}

function delegate(session: MembershipSession, overrides: Partial<MembershipSession>): MembershipSession {
  const { onRenewal } = session;
  return {
    deadline: () => session.deadline(),
    watchMembers: (listener) => session.watchMembers(listener),
    onLost: (listener) => session.onLost(listener),
    onError: (listener) => session.onError(listener),
    ...(onRenewal === undefined ? {} : { onRenewal: (listener) => onRenewal.call(session, listener) }),
    ...(session.lock === undefined ? {} : { lock: session.lock }),
    leave: () => session.leave(),
    close: () => session.close(),
    ...overrides,
  };
}

function withLock(session: MembershipSession, tryAcquire: (lock: LeaderLock) => Promise<bigint | null>) {
  const lock = session.lock;
  if (!lock) throw new Error('the memory backend gives a lock');
  return delegate(session, {
    lock: {
      tryAcquire: () => tryAcquire(lock),
      release: (token) => lock.release(token),
      watchHolder: (listener) => lock.watchHolder(listener),
    },
  });
}

/**
 * A session of node-b whose lock is `tryAcquire(lock, watched)`: `watched.gone()` says whether its
 * own holder watch shows no holding of another session, `watched.untilGone()` waits for that.
 */
function watchedLock(
  session: MembershipSession,
  tryAcquire: (
    lock: LeaderLock,
    watched: { gone(): boolean; untilGone(): Promise<void> },
  ) => Promise<bigint | null>,
): MembershipSession {
  let latest: LockHolder | undefined;
  const waiting: Array<() => void> = [];
  const gone = () => latest === null || latest?.id === 'node-b';
  const off = session.lock?.watchHolder((holder) => {
    latest = holder;
    if (gone()) for (const resume of waiting.splice(0)) resume();
  });
  const untilGone = () => new Promise<void>((resume) => (gone() ? resume() : waiting.push(resume)));
  const wrapped = withLock(session, (lock) => tryAcquire(lock, { gone, untilGone }));
  return delegate(wrapped, {
    close() {
      off?.();
      session.close();
    },
    leave() {
      off?.();
      return session.leave();
    },
  });
}

describe('rule: tryAcquire answers null only while the holder watch shows (or will show) the blocking holding', () => {
  const forNodeB = (wrap: (session: MembershipSession) => MembershipSession) => (cluster: MemoryCluster) => ({
    backend: ({ id }: { readonly id: string }) =>
      wrapSessions(cluster.backend(), id === 'node-b' ? wrap : (session) => session),
  });

  it('passes against a lock that repeats an attempt whose holder its watch already showed gone', async () => {
    // etcd's leader-lock.ts does this with revisions; here the session's own watch tells.
    const rechecking = (session: MembershipSession) =>
      watchedLock(session, async (lock, watched) => {
        for (let attempt = 0; attempt < 3; attempt++) {
          const token = await lock.tryAcquire();
          if (token !== null || !watched.gone()) return token;
        }
        return null;
      });
    await caseOf(tryAcquireNullTests, forNodeB(rechecking))();
  });

  it('fails against a lock that answers null on a free lock', async () => {
    const refusing = (session: MembershipSession) => withLock(session, async () => null);
    await expect(caseOf(tryAcquireNullTests, forNodeB(refusing))()).rejects.toThrow(
      /tryAcquire of a free lock answered null/,
    );
  });

  it('fails against a lock whose null answer arrives after its watch showed the blocking holding end', async () => {
    // Answers from its own read of the holder (another session holds it: null), but the answer
    // takes until after the watch has shown that holding end, as a slow reply would.
    const late = (session: MembershipSession) =>
      watchedLock(session, async (lock, watched) => {
        if (watched.gone()) return lock.tryAcquire();
        await watched.untilGone();
        return null;
      });
    await expect(caseOf(tryAcquireNullTests, forNodeB(late))()).rejects.toThrow(
      /racing node-a's release answered null/,
    );
  });
});

describe('rule: outage(ids) cuts off the named nodes, the whole backend only when outageScope says so', () => {
  const partition = (cluster: MemoryCluster, cut: (ids: readonly string[]) => readonly string[]) => ({
    async outage(ids: readonly string[]) {
      for (const id of cut(ids)) cluster.partition(id);
      return async () => {
        for (const id of cut(ids)) cluster.heal(id);
      };
    },
  });

  it('passes when exactly the named nodes are cut off', async () => {
    await caseOf(outageTests, (cluster) => partition(cluster, (ids) => ids))();
  });

  it("passes when the whole backend freezes and the environment says outageScope: 'all'", async () => {
    await caseOf(outageTests, (cluster) => ({
      ...partition(cluster, () => ['node-a', 'node-b']),
      outageScope: 'all' as const,
    }))();
  });

  it('fails when the outage cuts nobody off', async () => {
    const run = caseOf(outageTests, () => ({ outage: async () => async () => {} }));
    await expect(run()).rejects.toThrow(/node-a, cut off, to have no renewal acknowledged/);
  });

  it('fails when the whole backend freezes but the environment does not say so', async () => {
    const run = caseOf(outageTests, (cluster) => partition(cluster, () => ['node-a', 'node-b']));
    await expect(run()).rejects.toThrow(/outageScope: 'all'/);
  });

  it('fails when the outage ends the registration instead of cutting it off', async () => {
    const run = caseOf(outageTests, (cluster) => ({
      async outage(ids: readonly string[]) {
        for (const id of ids) cluster.expire(id);
        return async () => {};
      },
    }));
    await expect(run()).rejects.toThrow(/ended node-a's registration/);
  });

  it('fails when restore does not bring the node back', async () => {
    const run = caseOf(outageTests, (cluster) => ({
      async outage(ids: readonly string[]) {
        for (const id of ids) cluster.partition(id);
        return async () => {};
      },
    }));
    await expect(run()).rejects.toThrow(/renewals to be acknowledged again after the outage/);
  });
});

describe('rule: a client the user passed in stays the user’s; close() closes only what the backend opened, for good', () => {
  type Fault = 'none' | 'close closes it' | 'last use closes it' | 'close is not for good';
  /** A "client" the test owns in front of the memory cluster, and backends on it that may break the rule. */
  const userClient = (cluster: MemoryCluster, fault: Fault) => async (): Promise<UserClient> => {
    let open = true;
    return {
      backend(): MembershipBackend {
        const inner = cluster.backend();
        let closed = false;
        return {
          name: inner.name,
          capabilities: inner.capabilities,
          join: (request) => {
            if (!open) return Promise.reject(new Error('the client is closed'));
            if (closed && fault === 'close is not for good') return cluster.backend().join(request);
            return inner.join(request);
          },
          retain: () => () => {
            if (fault === 'last use closes it') open = false;
          },
          async close() {
            closed = true;
            if (fault === 'close closes it') open = false;
            await inner.close();
          },
        };
      },
      works: async () => {
        if (!open) throw new Error('the client is closed');
      },
      close: async () => {
        open = false;
      },
    };
  };

  it('passes when the backend leaves the client open', async () => {
    await caseOf(userClientTests, (cluster) => ({ userClient: userClient(cluster, 'none') }))();
  });

  it('fails when close() closes the user’s client', async () => {
    const run = caseOf(userClientTests, (cluster) => ({
      userClient: userClient(cluster, 'close closes it'),
    }));
    await expect(run()).rejects.toThrow(/no longer works after the backend's close\(\)/);
  });

  it('fails when the end of the last use closes the user’s client', async () => {
    const run = caseOf(userClientTests, (cluster) => ({
      userClient: userClient(cluster, 'last use closes it'),
    }));
    await expect(run()).rejects.toThrow(/no longer works after the backend's last use ended/);
  });

  it('fails when a closed backend still joins', async () => {
    const run = caseOf(userClientTests, (cluster) => ({
      userClient: userClient(cluster, 'close is not for good'),
    }));
    await expect(run()).rejects.toThrow(/join\(\) after close\(\) succeeded/);
  });
});

describe('rule: the deadline counts from the send time of the acknowledged renewal', () => {
  const slowAnswers = (cluster: MemoryCluster) => ({
    async latency(ids: readonly string[], ms: number) {
      for (const node of ids) cluster.latency(ms, { node });
      return async () => {
        for (const node of ids) cluster.latency(0, { node });
      };
    },
  });

  it('passes against the memory backend (the kit counts from the send)', async () => {
    await caseOf(renewalLatencyTests, slowAnswers)();
  });

  it('fails against a session that counts its deadline from the answer', async () => {
    /** The deadline from the last acknowledgement's arrival: what the rule forbids. */
    const fromTheAnswer = (session: MembershipSession): MembershipSession => {
      let answeredAt: number | undefined;
      session.onRenewal?.(({ sentAt, latencyMs }) => {
        answeredAt = sentAt + latencyMs;
      });
      return delegate(session, {
        deadline: () => (answeredAt === undefined ? session.deadline() : answeredAt + options.ttlMs),
      });
    };
    const run = caseOf(renewalLatencyTests, (cluster) => ({
      ...slowAnswers(cluster),
      backend: () => wrapSessions(cluster.backend(), fromTheAnswer),
    }));
    await expect(run()).rejects.toThrow(/the deadline counts from the answer, not the send/);
  });
});
