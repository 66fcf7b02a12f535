import type { LockHolder, MembershipEvent } from '@election/core';
import type { ContractTestApi } from '../types.js';
import { outageTests, renewalLatencyTests, tryAcquireNullTests, userClientTests } from './rule-groups.js';
import { fail, idsInView, lockSkip, registerGroup } from './session-kit.js';
import { transferTests, updateTests } from './transfer-groups.js';
import type { SessionEnvironmentFactory, SessionSuiteOptions } from './types.js';

type Group = (api: ContractTestApi, factory: SessionEnvironmentFactory, options: SessionSuiteOptions) => void;

/** watchMembers delivers a snapshot first (to every subscriber, also a late one), then changes. */
export const snapshotFirstTests: Group = (api, factory, options) =>
  registerGroup(api, factory, options, 'watchMembers', [
    {
      title: 'delivers a snapshot first, to an early and a late subscriber alike, then every change',
      async run(kit) {
        const a = await kit.join('node-a');
        const early: MembershipEvent[] = [];
        a.watchMembers((event) => early.push(event));
        await kit.until(() => idsInView(early).includes('node-a'), 'node-a to see itself');
        if (early[0]?.type !== 'snapshot') fail(`the first event was ${early[0]?.type}, not a snapshot`);
        await kit.join('node-b');
        await kit.until(() => idsInView(early).includes('node-b'), 'node-a to see node-b join');
        const late: MembershipEvent[] = [];
        a.watchMembers((event) => late.push(event));
        await kit.until(() => late.length > 0, 'a late subscriber to hear something');
        if (late[0]?.type !== 'snapshot')
          fail(`a late subscriber's first event was ${late[0]?.type}, not a snapshot`);
        const seen = idsInView(late.slice(0, 1));
        if (!seen.includes('node-a') || !seen.includes('node-b'))
          fail(`the late snapshot holds ${JSON.stringify(seen)}, expected node-a and node-b`);
      },
    },
  ]);

/** onLost fires at most once; a late subscriber still hears it, once, and never inside onLost(). */
export const onLostOnceTests: Group = (api, factory, options) =>
  registerGroup(api, factory, options, 'onLost', [
    {
      title: 'fires at most once, also for a late subscriber (asynchronously), never for an unsubscribed one',
      skip: options.cannotInvalidate,
      async run(kit) {
        const invalidate = kit.need('invalidate', 'set cannotInvalidate instead');
        const a = await kit.join('node-a');
        let early = 0;
        let cancelled = 0;
        a.onLost(() => {
          early += 1;
        });
        const off = a.onLost(() => {
          cancelled += 1;
        });
        off();
        await invalidate('node-a', a);
        await kit.until(() => early > 0, 'onLost after the registration ended');
        let subscribing = true;
        let late = 0;
        let lateInsideSubscribe = false;
        a.onLost(() => {
          late += 1;
          if (subscribing) lateInsideSubscribe = true;
        });
        subscribing = false;
        await kit.until(() => late > 0, 'a late onLost subscriber to hear it');
        await kit.stays(
          () => early === 1 && late === 1,
          'each subscriber hears onLost exactly once',
          options.ttlMs / 2,
        );
        if (lateInsideSubscribe) fail('a late subscriber heard onLost inside onLost(), synchronously');
        if (cancelled !== 0) fail('an unsubscribed listener heard onLost');
      },
    },
  ]);

/** close() walks away: the registration stays until the backend expires it, as after a crash. */
export const closeLeavesRegistrationTests: Group = (api, factory, options) =>
  registerGroup(api, factory, options, 'close()', [
    {
      title: 'leaves the registration to expire by TTL, as a crash would, and others then see it go',
      async run(kit) {
        const a = await kit.join('node-a');
        const b = await kit.join('node-b');
        const events: MembershipEvent[] = [];
        b.watchMembers((event) => events.push(event));
        await kit.until(() => idsInView(events).includes('node-a'), 'node-b to see node-a');
        const closedAt = kit.now();
        a.close();
        const grace = options.closeGraceMs ?? options.ttlMs / 2;
        if (grace > 0) {
          await kit.stays(
            () => idsInView(events).includes('node-a'),
            "node-a's registration to outlive close()",
            grace,
          );
        }
        const bound = options.expiryBoundMs ?? 2 * options.ttlMs + options.timeoutMs;
        await kit.until(
          () => !idsInView(events).includes('node-a'),
          'node-a to expire after close()',
          Math.max(0, bound - (kit.now() - closedAt)),
        );
        a.close(); // idempotent
      },
    },
  ]);

/** leave() is bounded in time even when the backend cannot be reached. */
export const leaveBoundedTests: Group = (api, factory, options) =>
  registerGroup(api, factory, options, 'leave()', [
    {
      title: `settles within ${options.leaveBoundMs} ms with the backend unreachable, and is idempotent`,
      async run(kit) {
        const a = await kit.join('node-a');
        const restore = (await kit.env.outage?.(['node-a'])) ?? (async () => {});
        const from = kit.now();
        const leaving = a.leave();
        await kit
          .settle(leaving, 'leave() to settle with the backend down', options.leaveBoundMs)
          .catch(() => {});
        const took = kit.now() - from;
        if (took > options.leaveBoundMs) fail(`leave() took ${took} ms, over ${options.leaveBoundMs} ms`);
        if (a.leave() !== leaving) {
          await kit.settle(a.leave(), 'a second leave() to settle', options.leaveBoundMs).catch(() => {});
        }
        await restore();
      },
    },
  ]);

/** watchHolder delivers the current holder first (null when free), then every change. */
export const watchHolderFirstTests: Group = (api, factory, options) =>
  registerGroup(api, factory, options, 'watchHolder', [
    {
      title: 'delivers the current holder first (null when free), then every change',
      skip: lockSkip(options),
      async run(kit) {
        const { lockA, lockB } = await kit.joinPairWithLocks();
        const early: LockHolder[] = [];
        lockB.watchHolder((holder) => early.push(holder));
        await kit.until(() => early.length > 0, 'the first holder report');
        if (early[0] !== null)
          fail(`the first report of a free lock was ${JSON.stringify(String(early[0]?.id))}, not null`);
        const token = await kit.settle(lockA.tryAcquire(), 'node-a to take the lock');
        if (token === null) fail('node-a could not take a free lock');
        await kit.until(() => early.at(-1)?.id === 'node-a', 'node-b to see node-a take the lock');
        if (early.at(-1)?.token !== token)
          fail(`node-b saw token ${early.at(-1)?.token}, node-a got ${token}`);
        const late: LockHolder[] = [];
        lockB.watchHolder((holder) => late.push(holder));
        await kit.until(() => late.length > 0, "a late subscriber's first report");
        if (late[0]?.id !== 'node-a' || late[0]?.token !== token)
          fail(
            `a late subscriber first heard ${JSON.stringify(late[0] && { id: late[0].id })}, not node-a's holding`,
          );
      },
    },
    {
      title: "gives each holder its revision, on the tokens' scale, when it gives one (HolderListener)",
      skip: lockSkip(options),
      async run(kit) {
        const a = await kit.join('node-a');
        const lock = a.lock;
        if (!lock) fail('a backend with capabilities.lock must give every session a lock');
        const seen: { holder: LockHolder; revision: bigint | undefined }[] = [];
        lock.watchHolder((holder, revision) => seen.push({ holder, revision }));
        await kit.until(() => seen.length > 0, 'the first holder report');
        const token = await kit.settle(lock.tryAcquire(), 'node-a to take the lock');
        if (token === null) fail('node-a could not take a free lock');
        await kit.settle(lock.release(token), 'node-a to release the lock');
        const released = () => seen.some((e) => e.holder !== null) && seen.at(-1)?.holder === null;
        await kit.until(released, 'the holding and its release reported');
        if (seen.every((event) => event.revision === undefined)) return; // optional: none given
        const before = seen[0]?.revision;
        const after = seen.at(-1)?.revision;
        if (before === undefined || after === undefined) fail('some holder events carry a revision, not all');
        // A "free" before the holding must not read as its end, the one after it must.
        if (before >= token) fail(`the free lock before token ${token} was reported at revision ${before}`);
        if (after <= token) fail(`the release of token ${token} was reported at revision ${after}`);
      },
    },
  ]);

/** onRenewal (optional) reports every acknowledged renewal: its send time and round trip. */
export const onRenewalTests: Group = (api, factory, options) =>
  registerGroup(api, factory, options, 'onRenewal', [
    {
      title: 'reports acknowledged renewals, each sent before it was reported, the deadline counted from one',
      skip: options.noRenewals,
      async run(kit) {
        const a = await kit.join('node-a');
        if (a.onRenewal === undefined)
          fail('the session has no onRenewal (the renewal loop has it: forward it); set noRenewals instead');
        const seen: Array<{ sentAt: number; latencyMs: number; reportedAt: number }> = [];
        a.onRenewal((renewal) => seen.push({ ...renewal, reportedAt: kit.sessionNow() }));
        await kit.until(
          () => seen.length >= 2,
          'two acknowledged renewals',
          options.ttlMs * 2 + options.timeoutMs,
        );
        for (const { sentAt, latencyMs, reportedAt } of seen) {
          if (!(latencyMs >= 0) || sentAt + latencyMs > reportedAt + 1)
            fail(
              `a renewal sent at ${sentAt} with a ${latencyMs} ms round trip was reported at ${reportedAt}`,
            );
        }
        const last = seen.at(-1);
        // The deadline is the last acknowledged send time plus the TTL (or less, as granted).
        if (last && (a.deadline() <= last.sentAt || a.deadline() > last.sentAt + options.ttlMs + 1))
          fail(`deadline ${a.deadline()} is not counted from the last renewal's send time ${last.sentAt}`);
      },
    },
  ]);

/** Every session-level group, for one adapter: `runSessionContract(vitest, factory, options)`. */
export function runSessionContract(
  api: ContractTestApi,
  factory: SessionEnvironmentFactory,
  options: SessionSuiteOptions,
): void {
  snapshotFirstTests(api, factory, options);
  onLostOnceTests(api, factory, options);
  closeLeavesRegistrationTests(api, factory, options);
  leaveBoundedTests(api, factory, options);
  watchHolderFirstTests(api, factory, options);
  onRenewalTests(api, factory, options);
  transferTests(api, factory, options);
  updateTests(api, factory, options);
  tryAcquireNullTests(api, factory, options);
  outageTests(api, factory, options);
  userClientTests(api, factory, options);
  renewalLatencyTests(api, factory, options);
}
