import {
  DuplicateMemberError,
  type Logger,
  type MembershipSession,
  silentLogger,
  systemClock,
} from '@election/core';
import { waitFor } from '@election/testing';
import type { EtcdServer } from '@election/tools';
import { KVClient } from 'etcd3';
import { afterEach, describe, expect, it } from 'vitest';
import { createEtcdMembership } from '../src/index.js';
import { useEtcd } from './support/etcd-suite.js';
import { uniquePrefix } from './support/session-helpers.js';

// An etcd of this file's own: the test kills and restarts it.
let etcd: EtcdServer;
useEtcd((server) => {
  etcd = server;
});
const txn = KVClient.prototype.txn;
afterEach(() => {
  KVClient.prototype.txn = txn;
});

/** Records debug lines, so the test can wait for the adapter's own report instead of sleeping. */
function recordingLogger(lines: string[]): Logger {
  const logger: Logger = {
    ...silentLogger,
    debug: (_fields: unknown, message?: string) => {
      if (typeof message === 'string') lines.push(message);
    },
    child: () => logger,
  };
  return logger;
}

describe('a join whose answer was lost', () => {
  it('does not make the next join of the same node a duplicate of itself (etcd died mid-join)', async () => {
    if (!etcd.controllable) throw new Error(etcd.notControllableReason);
    const lines: string[] = [];
    const logger = recordingLogger(lines);
    const backend = createEtcdMembership({
      ...etcd.clientOptions,
      prefix: uniquePrefix('lost-join'),
      requestTimeoutMs: 300,
    });
    const member = { id: 'a' };
    // The join transaction commits in etcd, and etcd is killed before its answer comes back: a join
    // whose answer never came and whose lease cannot be revoked, as when etcd dies in the middle
    // of a node's join.
    KVClient.prototype.txn = async function (this: KVClient, ...args: Parameters<typeof txn>) {
      const answer = await txn.apply(this, args);
      KVClient.prototype.txn = txn;
      void etcd.kill('SIGKILL');
      throw new Error(answer.succeeded ? 'the answer to the registration was lost' : 'not the join');
    };
    const signal = new AbortController().signal;
    await expect(
      backend.join({ member, ttlMs: 10_000, clock: systemClock, logger, signal, takeover: false }),
    ).rejects.toThrow(/answer to the registration was lost/);
    await waitFor(() => lines.some((line) => /could not revoke the lease of a failed join/.test(line)), {
      timeoutMs: 5000,
      message: 'the adapter to give up revoking the lease of the failed join',
    });
    await etcd.restart(); // same data dir: etcd keeps its leases across a restart
    // etcd is back and still holds the member key on the failed join's lease (TTL 10 s). The next
    // join of the same node must take it over, not report a duplicate of itself for 10 s.
    let next: MembershipSession | undefined;
    await waitFor(
      async () => {
        try {
          next = await backend.join({
            member,
            ttlMs: 10_000,
            clock: systemClock,
            logger,
            signal: new AbortController().signal,
            takeover: false,
          });
          return true;
        } catch (error) {
          if (error instanceof DuplicateMemberError) throw error;
          return false; // etcd still reconnecting: ask again
        }
      },
      { timeoutMs: 5000, message: 'a join after etcd came back' },
    );
    expect(next?.deadline()).toBeGreaterThan(0);
    await next?.leave();
    await backend.close();
  }, 20_000);
});
