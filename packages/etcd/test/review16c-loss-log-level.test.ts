import type { MembershipSession } from '@election/core';
import type { EtcdServer } from '@election/tools';
import type { Etcd3 } from 'etcd3';
import { describe, expect, it } from 'vitest';
import { createEtcdMembership } from '../src/index.js';
import { leaseOfKey } from './support/admin-client.js';
import { useEtcd } from './support/etcd-suite.js';
import { joinAs, recordingLogger, uniquePrefix } from './support/session-helpers.js';

let etcd: EtcdServer;
let admin: Etcd3;
const cleanups = useEtcd((server, client) => {
  etcd = server;
  admin = client;
});

/**
 * review16c: core reports a loss itself (one warning when it hears onLost). fbbff79's etcd session
 * logged its own loss at debug only ('etcd registration lost'); the skeleton's `lose()`
 * (session-skeleton.ts, "Info, not a warning") now adds an info line per loss for etcd, and a
 * failed revocation after a taken member key is now a warning (it was a debug line).
 */
describe('review16c: an etcd loss logs nothing above debug from the adapter', () => {
  it('a lease revoked behind the session: onLost fires, the adapter logs only at debug', async () => {
    const prefix = uniquePrefix('loss-log');
    const logger = recordingLogger();
    const membership = createEtcdMembership({ ...etcd.clientOptions, prefix });
    cleanups.push(() => membership.close());
    const session: MembershipSession = await joinAs(membership, { id: 'a' }, { logger });
    cleanups.push(() => session.leave());
    const lost = new Promise<Error>((resolve) => session.onLost(resolve));
    const from = logger.records.length;
    const lease = await leaseOfKey(admin, `${prefix}/default/members/a`);
    expect(lease).toBeDefined();
    await admin.leaseClient.leaseRevoke({ ID: lease as string });
    await lost;
    const loud = logger.records.slice(from).filter((record) => record.level !== 'debug');
    expect(loud).toEqual([]);
  }, 30_000);
});
