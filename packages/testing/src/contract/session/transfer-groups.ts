import type { LockHolder, MembershipEvent } from '@election/core';
import type { ContractTestApi } from '../types.js';
import { fail, idsInView, lockSkip, registerGroup } from './session-kit.js';
import type { SessionEnvironmentFactory, SessionSuiteOptions } from './types.js';

type Group = (api: ContractTestApi, factory: SessionEnvironmentFactory, options: SessionSuiteOptions) => void;

/**
 * LeaderLock.transfer (optional, the direct handover; contracts/backend.ts): one conditional write
 * that hands the giver's holding to a registered member, with a greater token, marked as handed to
 * the successor's own session; the giver's later release by its old token deletes nothing.
 */
export const transferTests: Group = (api, factory, options) =>
  registerGroup(api, factory, options, 'lock.transfer', [
    {
      title:
        'hands the holding to a registered member with a greater token, handed; a stale transfer or release of the old token changes nothing',
      skip: lockSkip(options) ?? options.noTransfer,
      async run(kit) {
        const a = await kit.join('node-a');
        const b = await kit.join('node-b');
        const lockA = a.lock;
        const lockB = b.lock;
        if (!lockA?.transfer || !lockB) fail('the lock has no transfer(); set noTransfer instead');
        const seenA: LockHolder[] = [];
        const seenB: LockHolder[] = [];
        // Both views must show node-b registered before a transfer to it can be conditional on it.
        const members: MembershipEvent[] = [];
        a.watchMembers((event) => members.push(event));
        lockA.watchHolder((holder) => seenA.push(holder));
        lockB.watchHolder((holder) => seenB.push(holder));
        await kit.until(() => idsInView(members).includes('node-b'), 'node-a to see node-b registered');
        const token = await kit.settle(lockA.tryAcquire(), 'node-a to take the lock');
        if (token === null) fail('node-a could not take a free lock');
        const unknown = await kit.settle(
          lockA.transfer(token, 'node-z'),
          'a transfer to an unregistered member',
        );
        if (unknown !== null) fail(`a transfer to an unregistered member answered ${unknown}, not null`);
        const handed = await kit.settle(lockA.transfer(token, 'node-b'), 'the transfer to node-b');
        if (handed === null) fail('the transfer of a held token to a registered member answered null');
        if (handed <= token) fail(`the handed token ${handed} is not greater than the given ${token}`);
        await kit.until(
          () => seenB.at(-1)?.id === 'node-b' && seenB.at(-1)?.token === handed,
          'node-b to see the holding handed to it',
        );
        if (seenB.at(-1)?.handed !== true) fail("node-b's watch does not say the holding was handed to it");
        await kit.until(() => seenA.at(-1)?.id === 'node-b', 'node-a to see node-b hold the lock');
        const again = await kit.settle(lockA.transfer(token, 'node-b'), 'a second transfer of the old token');
        if (again !== null) fail(`a transfer of a token no longer held answered ${again}, not null`);
        await kit.settle(lockA.release(token), "node-a's release of the token it handed over");
        const mine = await kit.settle(lockB.tryAcquire(), "node-b's tryAcquire of its handed holding");
        if (mine !== handed)
          fail(`after the giver released its old token node-b's tryAcquire answered ${mine}, not ${handed}`);
      },
    },
  ]);

/** MembershipSession.update (optional, setPriority): rewrites the record in place; a lost registration is not re-created. */
export const updateTests: Group = (api, factory, options) =>
  registerGroup(api, factory, options, 'update', [
    {
      title:
        'rewrites the member record in place (others see the new record), and rejects once the registration is gone',
      skip: options.noUpdate,
      async run(kit) {
        const a = await kit.join('node-a');
        const b = await kit.join('node-b');
        if (a.update === undefined) fail('the session has no update(); set noUpdate instead');
        const events: MembershipEvent[] = [];
        b.watchMembers((event) => events.push(event));
        await kit.settle(a.update({ id: 'node-a', priority: 7 }), 'update() to settle');
        await kit.until(() => priorityInView(events, 'node-a') === 7, 'node-b to see node-a with priority 7');
        const { invalidate } = kit.env;
        if (invalidate === undefined) return;
        await invalidate('node-a', a);
        await kit.until(() => !idsInView(events).includes('node-a'), 'node-a to go');
        const late = await kit
          .settle(a.update({ id: 'node-a', priority: 9 }), 'update() after the registration ended')
          .then(
            () => 'resolved',
            () => 'rejected',
          );
        if (late !== 'rejected') fail('update() after the registration ended resolved');
        await kit.stays(
          () => !idsInView(events).includes('node-a'),
          'a lost registration to stay gone',
          options.timeoutMs / 2,
        );
      },
    },
  ]);

/** The priority of `id` in the view a stream of membership events leaves (snapshots or puts alike). */
function priorityInView(events: readonly MembershipEvent[], id: string): number | undefined {
  let priority: number | undefined;
  for (const event of events) {
    if (event.type === 'snapshot') priority = event.members.find((member) => member.id === id)?.priority;
    else if (event.type === 'put' && event.member.id === id) priority = event.member.priority;
    else if (event.type === 'delete' && event.id === id) priority = undefined;
  }
  return priority;
}
