import type { LockHolder, MembershipSession } from '@election/core';
import { fail } from '../conditions.js';
import type { ContractCase } from './case.js';

function lockOf(session: MembershipSession) {
  return session.lock ?? fail('the backend declares a lock, but its session has no `lock`');
}

/**
 * The leader lock itself, driven straight through the backend: electors only try for the lock
 * when their view elects them, so in a calm cluster a lock that is not exclusive would go unseen.
 */
export const lockCases: readonly ContractCase[] = [
  {
    title:
      'the leader lock is exclusive, re-entrant for its holder, its fencing tokens only grow, and a stale release keeps a newer holding',
    needsLock: true,
    async run(h) {
      const a = await h.join('node-a');
      const b = await h.join('node-b');
      const seenByB: LockHolder[] = [];
      lockOf(b).watchHolder((holder) => seenByB.push(holder));
      await h.until(() => seenByB.length > 0, 'node-b to receive the current lock holder');

      const first = await h.settle(lockOf(a).tryAcquire(), 'node-a to try the free lock');
      if (first === null) fail('node-a could not take a free lock');
      const again = await h.settle(lockOf(a).tryAcquire(), 'node-a to try the lock it holds');
      if (again !== first) fail(`the holder asking again must get its token back (${first}), got ${again}`);
      const other = await h.settle(lockOf(b).tryAcquire(), 'node-b to try the held lock');
      if (other !== null) fail(`node-b took the lock while node-a held it (token ${other})`);
      await h.until(() => seenByB.at(-1)?.id === 'node-a', 'node-b to see node-a hold the lock');
      if (seenByB.at(-1)?.token !== first)
        fail(`node-b saw token ${seenByB.at(-1)?.token}, expected ${first}`);

      await h.settle(lockOf(b).release(first), 'node-b to release a lock it does not hold');
      const stillHeld = await h.settle(lockOf(b).tryAcquire(), 'node-b to try again');
      if (stillHeld !== null) fail('release() by a non-holder freed the lock');

      await h.settle(lockOf(a).release(first), 'node-a to release the lock');
      const second = await h.settle(lockOf(b).tryAcquire(), 'node-b to take the released lock');
      if (second === null || second <= first)
        fail(`the next token must be greater than ${first}, got ${second}`);
      await h.until(() => seenByB.at(-1)?.id === 'node-b', 'node-b to see itself hold the lock');

      // Leaving releases the lock with the registration, and the next holding again gets a greater token.
      await h.settle(b.leave(), 'node-b to leave');
      const third = await h.settle(lockOf(a).tryAcquire(), 'node-a to take the lock node-b left');
      if (third === null || third <= second)
        fail(`the next token must be greater than ${second}, got ${third}`);

      // A late release of an earlier holding (its call timed out, the request arrived after a new
      // holding of the same session) must leave the newer holding alone.
      await h.settle(lockOf(a).release(first), 'node-a to send a stale release of its first holding');
      const kept = await h.settle(lockOf(a).tryAcquire(), 'node-a to ask for the lock it still holds');
      if (kept !== third) fail(`a stale release (token ${first}) freed the holding with token ${third}`);
    },
  },
];
