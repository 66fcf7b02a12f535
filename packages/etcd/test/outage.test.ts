import { BackendUnavailableError } from '@election/core';
import { waitFor } from '@election/testing';
import type { EtcdServer } from '@election/tools';
import { describe, expect, it } from 'vitest';
import { createEtcdMembership } from '../src/index.js';
import { useEtcd } from './support/etcd-suite.js';
import { joinAs, recordingLogger, uniquePrefix } from './support/session-helpers.js';

// An etcd of this file's own: the test kills and restarts it.
let etcd: EtcdServer;
useEtcd((server) => {
  etcd = server;
});

const epochNow = () => performance.timeOrigin + performance.now();

describe('an etcd outage longer than the TTL', () => {
  it('renewals go on past the deadline, quietly, and the same lease resumes when etcd returns', async (context) => {
    if (!etcd.controllable) context.skip(etcd.notControllableReason);
    const membership = createEtcdMembership({
      ...etcd.clientOptions,
      prefix: uniquePrefix('outage'),
      requestTimeoutMs: 500,
    });
    const logger = recordingLogger();
    const session = await joinAs(membership, { id: 'a' }, { logger, ttlMs: 2000 });
    const errors: Error[] = [];
    const lost: Error[] = [];
    session.onError((error) => errors.push(error));
    session.onLost((cause) => lost.push(cause));

    await etcd.kill('SIGKILL');
    const killedAt = epochNow();
    const deadline = session.deadline();
    await waitFor(() => epochNow() > deadline + 1000 && errors.length >= 3, {
      timeoutMs: 5000,
      message: 'renewals to keep failing past the deadline',
    });
    await etcd.restart(); // same data dir: etcd keeps the lease, and restarts its clock
    await waitFor(() => session.deadline() > deadline, {
      timeoutMs: 5000,
      message: 'a renewal acknowledged again',
    });
    const outageMs = Math.round(epochNow() - killedAt);
    expect(lost).toEqual([]);
    expect(errors.every((error) => error instanceof BackendUnavailableError)).toBe(true);
    // Failures go to onError (core reports an outage once); the adapter itself logs them only at
    // debug, and only debug lines carry stacks.
    const loud = logger.records.filter((record) => record.level !== 'debug');
    expect(loud).toEqual([]);
    console.log(
      `etcd down ${outageMs} ms (TTL 2000 ms): ${errors.length} failures reported, ` +
        `${logger.records.length} debug lines, none above debug`,
    );
    await session.leave();
    await membership.close();
  }, 20_000);
});
