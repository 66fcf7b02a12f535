import { DuplicateMemberError, type JoinRequest, joinRounds, sleep } from '@election/core/adapter';
import { encodeMember } from './member-codec.js';
import { SOURCE } from './source.js';
import type { Statements } from './statements.js';

/**
 * Generic (to be replaced by the adapter skeleton's join): the rounds of a join on the member
 * rows. Insert the row; a row of this id left by this backend (close()) or, under `takeover`, any
 * such row is deleted at once; any other is waited out (it expires unless someone renews it), and
 * one seen renewed meanwhile is a live duplicate. Resolves with the registration and the send time
 * of the insert that created it (its first "renewal").
 */
export async function joinRows(
  request: JoinRequest,
  statements: Statements,
  run: <T>(work: Promise<T>, action: string) => Promise<T>,
  abandoned: (registration: string) => boolean,
): Promise<{ readonly registration: string; readonly startedAt: number }> {
  const { member, ttlMs, clock, signal } = request;
  const record = encodeMember(member);
  let startedAt = clock.now();
  const registration = await joinRounds<string, string>({
    signal,
    takeover: request.takeover,
    async register() {
      startedAt = clock.now();
      const answer = await run(statements.register(member.id, record, ttlMs), 'insert the member row');
      return 'registration' in answer ? { registered: answer.registration } : { holder: answer.heldBy };
    },
    abandoned,
    revoke: (holder) => run(statements.deregister(holder), 'delete the previous row of this id'),
    async waitOut(holder) {
      request.logger.info(
        { memberId: member.id },
        'waiting for the previous registration of this id to expire',
      );
      const renewals = () => run(statements.renewals(holder), 'read the previous row of this id');
      const first = await renewals();
      for (let seen = first; seen !== undefined; seen = await renewals()) {
        if (seen !== first)
          throw new DuplicateMemberError(
            member.id,
            `Member id "${member.id}" is registered by another live node (its row was renewed while this node waited). Give this node another id.`,
            { source: SOURCE },
          );
        await sleep(clock, Math.min(500, ttlMs / 4), signal);
      }
    },
  });
  return { registration, startedAt };
}
