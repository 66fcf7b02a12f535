import type { LockHolder, MembershipSession } from '@election/core';
import type { ContractTestApi } from '../types.js';
import { fail, lockSkip, registerGroup, type SessionKit } from './session-kit.js';
import type { SessionEnvironmentFactory, SessionSuiteOptions } from './types.js';

type Group = (api: ContractTestApi, factory: SessionEnvironmentFactory, options: SessionSuiteOptions) => void;

function describeHolder(holder: LockHolder | undefined): string {
  if (holder === undefined) return 'nothing yet';
  return holder === null ? 'the lock free' : `${holder.id} holding token ${holder.token}`;
}

/**
 * After a null answer of node-b's tryAcquire, the holding that blocked it must be in node-b's holder
 * watch: the report current at the answer, or one delivered after it (`at`: reports seen by then).
 */
async function checkNullAnswer(kit: SessionKit, seen: readonly LockHolder[], at: number, what: string) {
  const foreign = () =>
    seen.slice(Math.max(0, at - 1)).some((holder) => holder !== null && holder.id !== 'node-b');
  await kit
    .until(foreign, `node-b's holder watch to show the holding that blocked ${what}`)
    .catch(() =>
      fail(
        `${what} answered null, but node-b's holder watch neither showed then nor showed afterwards a holding ` +
          `by another session (it shows ${describeHolder(seen.at(-1))}): core, waiting for that holding to ` +
          'end, would wait for a change that never comes, up to its 5 s resync (LeaderLock.tryAcquire)',
      ),
    );
}

/** The rule on null answers (contracts/backend.ts, LeaderLock.tryAcquire), with a release racing the attempt. */
export const tryAcquireNullTests: Group = (api, factory, options) =>
  registerGroup(api, factory, options, 'lock.tryAcquire', [
    {
      title:
        'answers null only while the holder watch shows, or will show, the holding that blocked it (also when a release races the attempt)',
      skip: lockSkip(options),
      async run(kit) {
        const { lockA, lockB } = await kit.joinPairWithLocks();
        const seen: LockHolder[] = [];
        lockB.watchHolder((holder) => seen.push(holder));
        await kit.until(() => seen.length > 0, "node-b's first holder report");
        // `at`: how many reports node-b had when the answer came (read in the answer's own callback).
        const attempt = () => lockB.tryAcquire().then((token) => ({ token, at: seen.length }));
        for (let round = 1; round <= 3; round++) {
          await kit.until(() => seen.at(-1) === null, 'node-b to see the lock free');
          const free = await kit.settle(attempt(), `node-b's tryAcquire of a free lock (round ${round})`);
          if (free.token === null)
            await checkNullAnswer(kit, seen, free.at, "node-b's tryAcquire of a free lock");
          else await kit.settle(lockB.release(free.token), 'node-b to release');
          await kit.until(() => seen.at(-1) === null, 'node-b to see the lock free again');
          const token = await kit.settle(lockA.tryAcquire(), 'node-a to take the lock');
          if (token === null) fail('node-a could not take a free lock');
          await kit.until(() => seen.at(-1)?.id === 'node-a', 'node-b to see node-a hold the lock');
          // The attempt and the release race: whichever the backend orders first, a null answer must
          // come while node-b's watch still shows node-a's holding (or is yet to show it).
          const raced = attempt();
          const released = lockA.release(token);
          const outcome = await kit.settle(
            raced,
            `node-b's tryAcquire racing node-a's release (round ${round})`,
          );
          await kit.settle(released, "node-a's release");
          if (outcome.token === null)
            await checkNullAnswer(kit, seen, outcome.at, "node-b's tryAcquire racing node-a's release");
          else await kit.settle(lockB.release(outcome.token), 'node-b to release');
        }
      },
    },
  ]);

/** What `outage(ids)` means (SessionEnvironment.outage): the named nodes stop, the others only when it says so. */
export const outageTests: Group = (api, factory, options) =>
  registerGroup(api, factory, options, 'outage()', [
    {
      title:
        "stops the renewals of the nodes it names, and of the others only under outageScope 'all'; once restored they renew the same registration",
      skip: options.noRenewals,
      async run(kit) {
        const outage = kit.need('outage', 'a backend with renewals can be unreachable');
        const { ttlMs } = options;
        const a = await kit.join('node-a');
        const b = await kit.join('node-b');
        let lost = false;
        a.onLost(() => {
          lost = true;
        });
        const joined = a.deadline();
        await kit.until(() => a.deadline() > joined, "node-a's first renewal", ttlMs + options.timeoutMs);
        const restore = await outage(['node-a']);
        const cutAt = kit.sessionNow();
        // A renewal sent after the cut would put the deadline past cutAt + TTL: none may be acknowledged.
        const renewedAfter = (session: MembershipSession) => session.deadline() > cutAt + ttlMs;
        let otherRenewed = false;
        await kit.stays(
          () => {
            if (renewedAfter(b)) otherRenewed = true;
            return !renewedAfter(a);
          },
          'node-a, cut off, to have no renewal acknowledged',
          ttlMs / 2,
        );
        if (kit.env.outageScope !== 'all' && !otherRenewed)
          fail(
            "outage(['node-a']) stopped node-b's renewals too: an environment that can only freeze the whole " +
              "backend must say so with outageScope: 'all'",
          );
        await restore();
        await kit.until(
          () => renewedAfter(a) || lost,
          "node-a's renewals to be acknowledged again after the outage",
          ttlMs + options.timeoutMs,
        );
        if (lost) fail(`an outage of ${ttlMs / 2} ms (half the TTL) ended node-a's registration`);
      },
    },
  ]);

/** What a user-supplied client owns (contracts/backend.ts, MembershipBackend.close and retain). */
export const userClientTests: Group = (api, factory, options) =>
  registerGroup(api, factory, options, 'a client the user passed in', [
    {
      title:
        "is never closed by the backend: it works after the backend's last use ends and after close(); close() is for good",
      skip: options.noUserClient,
      async run(kit) {
        const client = await kit.need('userClient', 'set noUserClient instead')();
        const works = async (when: string) =>
          kit
            .settle(client.works(), `the user's client to answer ${when}`)
            .catch((error: unknown) =>
              fail(`the user's client no longer works ${when}: ${(error as Error).message ?? error}`),
            );
        try {
          const backend = client.backend({ id: 'node-a' });
          const endUse = backend.retain?.();
          const session = await kit.joinWith(backend, 'node-a');
          await kit.settle(session.leave(), 'node-a to leave');
          endUse?.();
          await works("after the backend's last use ended");
          await kit.settle(backend.close(), "the backend's close()");
          await works("after the backend's close()");
          await kit.settle(backend.close(), 'a second close()');
          const late = await kit.joinWith(backend, 'node-a').then(
            () => 'joined',
            () => 'rejected',
          );
          if (late !== 'rejected') fail('join() after close() succeeded: close() is for good');
          const other = client.backend({ id: 'node-b' });
          const session2 = await kit.joinWith(other, 'node-b');
          await kit.settle(session2.leave(), 'node-b, on the same user client, to leave');
          await kit.settle(other.close(), "the second backend's close()");
          await works('after a second backend on it closed');
        } finally {
          await client.close();
        }
      },
    },
  ]);

/** Renewal deadlines count from the send time of the acknowledged renewal (MembershipSession.deadline). */
export const renewalLatencyTests: Group = (api, factory, options) =>
  registerGroup(api, factory, options, 'deadline()', [
    {
      title:
        'counts from the send time of the acknowledged renewal when its answer takes clock time, not from the answer',
      skip: options.noRenewals,
      async run(kit) {
        const latency = kit.need('latency', 'a backend with renewals can be slowed');
        const { ttlMs } = options;
        const lateMs = ttlMs / 5;
        const a = await kit.join('node-a');
        const restore = await latency(['node-a'], lateMs);
        const since = kit.sessionNow();
        // Seen at time t (t ≥ since + lateMs), any acknowledged renewal was sent at or before t − lateMs:
        // after `since` its answer took lateMs; before it, it was sent before since.
        let previous = a.deadline();
        let moves = 0;
        let broken: string | undefined;
        await kit.until(
          () => {
            const t = kit.sessionNow();
            const deadline = a.deadline();
            if (t < since + lateMs) return false;
            if (deadline > t - lateMs + ttlMs + 2 && broken === undefined)
              broken = `at ${t} the deadline was ${deadline}, past ${t - lateMs} (the latest send time an answer taking ${lateMs} ms allows) + the ${ttlMs} ms TTL`;
            if (deadline > previous) moves += 1;
            previous = deadline;
            return moves >= 2 || broken !== undefined;
          },
          `two renewals of node-a acknowledged with ${lateMs} ms answers`,
          2 * ttlMs + options.timeoutMs,
        );
        await restore();
        if (broken !== undefined) fail(`the deadline counts from the answer, not the send: ${broken}`);
      },
    },
  ]);
