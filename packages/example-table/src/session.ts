import {
  type Clock,
  ElectionFeed,
  type FeedSnapshot,
  type LeaderLock,
  type Logger,
  type Member,
  SessionLostError,
  SessionSkeleton,
} from '@election/core/adapter';
import type { ResolvedTableOptions } from './options.js';
import { SOURCE } from './source.js';
import { statement, toElectionError } from './statement.js';
import type { TableState } from './table-client.js';

export interface TableSessionOptions extends ResolvedTableOptions {
  readonly member: Member;
  readonly registration: number;
  readonly ttlMs: number;
  /** Send time of the statement that created the registration: its first "renewal". */
  readonly startedAt: number;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The session ended (lost, left, closed): the backend lets it go. */
  readonly ended: () => void;
  /** This session walked away from its registration: a rejoin may delete it at once. */
  readonly abandon: () => void;
  /** The registration is gone from the table (deleted or expired): no longer abandoned. */
  readonly gone: () => void;
}

export type TableSession = SessionSkeleton & { readonly lock: LeaderLock };

/**
 * One node's registration, made of the kit's pieces: the session skeleton (renewals, loss, leave,
 * close, update, the lock around two statements) and the election feed (a poll of the table).
 * What is left here is the table's: which statement does what.
 */
export function openTableSession(options: TableSessionOptions): TableSession {
  const { client, clock, logger, member, registration, ttlMs, requestTimeoutMs } = options;
  const owner = String(registration);
  const run = <T>(work: Promise<T>, action: string) => statement(work, action, requestTimeoutMs, clock);
  const lost = (message: string) => new SessionLostError(message, { source: SOURCE });

  const feed = new ElectionFeed({
    clock,
    logger,
    read: async () => snapshotOf(await run(client.read(), 'read the table')),
    poll: { intervalMs: options.pollMs }, // the change feed is a poll: one read per interval
    dedupe: true,
    // Our row must be there, bound to our registration; else we are not registered.
    self: {
      id: member.id,
      owner,
      gone: () => session.loseAlive(lost(`The row of "${member.id}" is gone from the table.`)),
    },
    onError: (error, retryInMs) => session.reportError(toElectionError(error, 'read the table', retryInMs)),
  });

  const session = new SessionSkeleton({
    source: SOURCE,
    what: 'table session',
    clock,
    logger,
    mapError: toElectionError,
    feed,
    renewals: {
      ttlMs,
      startedAt: options.startedAt,
      timeoutMs: requestTimeoutMs,
      action: 'renew the registration row',
      renew: async () =>
        (await client.renew(registration, ttlMs))
          ? { alive: true }
          : { alive: false, cause: lost('The registration row expired; join again.') },
    },
    lock: {
      async attempt() {
        const answer = await run(client.acquire(registration), 'take the leader row');
        if ('heldBy' in answer) return { token: null, blocker: answer.heldBy };
        // The token is the table's version after the write: the leader row is ours as of it.
        // Shown now, so a release before the next poll is not all the holder watch reports.
        feed.publishHolder({ id: member.id, token: answer.token }, answer.token, owner);
        return { token: answer.token };
      },
      release: (token) => run(client.release(registration, token), 'release the leader row'),
    },
    revoke: () => run(client.deregister(registration), 'delete the registration row'),
    revokeAction: 'delete the registration row',
    leaveTimeoutMs: options.leaveTimeoutMs,
    update: (next) => run(client.update(registration, next), 'rewrite the member row'),
    updateLost: (next) => `The row of "${next.id}" is gone; join again.`,
    abandon: options.abandon,
    gone: options.gone,
    ended: options.ended,
  }) as TableSession;
  return session;
}

/** A read of the table as the feed takes it: owners and the holder's registration as strings. */
function snapshotOf(state: TableState): FeedSnapshot {
  const { leader } = state;
  return {
    members: state.members,
    owners: new Map([...state.registrations].map(([id, registration]) => [id, String(registration)])),
    holder: leader && { id: leader.id, token: leader.token },
    ...(leader === null ? {} : { holderOwner: String(leader.registration) }),
    revision: state.version,
  };
}
