import {
  ElectionFeed,
  type FeedSnapshot,
  type JoinRequest,
  type LeaderLock,
  type LockCalls,
  type LockHolder,
  MalformedReporter,
  type Member,
  memberCodec,
  type OwnRegistrations,
  SessionLostError,
  SessionSkeleton,
} from '@election/core/adapter';
import { boundedBy, toElectionError } from './errors.js';
import { listen } from './notifications.js';
import type { ResolvedPostgresOptions } from './options.js';
import { SOURCE } from './source.js';
import { channelOf } from './sql.js';
import type { ElectionState, Statements } from './statements.js';

/** A member as its row stores it (jsonb): only what differs from the defaults. */
const members = memberCodec({
  source: SOURCE,
  sourceInReason: true,
  reasons: {
    notJson: 'not JSON',
    notObject: 'not a JSON object',
    idMismatch: (stored) => `its id ${JSON.stringify(stored)} is not a member id`,
  },
  message: (key, reason) => `skipping the member row ${key}: ${reason}`,
});
export const encodeMember = members.encode;

export interface PostgresSessionOptions {
  readonly options: ResolvedPostgresOptions;
  readonly statements: Statements;
  readonly request: JoinRequest;
  readonly registration: string;
  /** Send time of the statement that created the registration (its first "renewal"). */
  readonly startedAt: number;
  /** The election as read right after the join. */
  readonly first: ElectionState;
  /** This backend's registrations: a session left or walked away from is said here. */
  readonly own: OwnRegistrations;
  /** Keeps the pool open until the returned function is called (a leave's statement). */
  readonly hold: () => () => void;
  readonly ended: () => void;
}

type PostgresRead = FeedSnapshot & { readonly nextExpiryMs: number | undefined };

/**
 * One node's registration row on the kit's session skeleton: renewals of the row, the election
 * read again and again (a poll, woken by NOTIFY and by this session's own writes), the leader
 * row's statements as the lock. `start()` starts the renewals and the reads.
 */
export function openPostgresSession(
  o: PostgresSessionOptions,
): SessionSkeleton & { readonly lock: LeaderLock } {
  const { options, statements, registration, request } = o;
  const { clock, logger, member, ttlMs } = request;
  const { requestTimeoutMs, leaveTimeoutMs, schema } = options;
  const run = boundedBy(requestTimeoutMs, clock);
  // The join's read is decoded before the session exists: what it finds malformed reaches no listener yet.
  let reportMalformed = (_error: Error) => {};
  const malformed = new MalformedReporter(logger, (error) => reportMalformed(error));
  /** The newest leader row this session showed itself (a write of its own). */
  let shown = 0n;

  function snapshotOf(state: ElectionState): PostgresRead {
    const decoded: Member[] = [];
    const bad: string[] = [];
    for (const row of state.rows) {
      const id = (row as { id?: unknown } | null)?.id;
      const key = `${schema}.election_members/${typeof id === 'string' ? id : '?'}`;
      const read = members.decode(JSON.stringify(row), typeof id === 'string' ? id : '?');
      if ('member' in read) decoded.push(read.member);
      else {
        bad.push(key);
        malformed.report(members.malformed(key, read.reason, read.cause));
      }
    }
    malformed.retain(bad);
    const { leader, version, nextExpiryMs } = state;
    const holder: LockHolder = leader && {
      id: leader.id,
      token: leader.token,
      ...(leader.handed ? { handed: true } : {}),
    };
    // A read older than a leader row this session showed itself raced that write: it keeps it.
    const current = version < shown ? {} : { holder, holderOwner: leader?.registration };
    return { members: decoded, revision: version, nextExpiryMs, ...current };
  }

  const feed = new ElectionFeed<PostgresRead>({
    clock,
    logger,
    initial: snapshotOf(o.first),
    read: async () => snapshotOf(await run(statements.read(), 'read the election')),
    // After the poll interval, or just after the first live row expires if sooner.
    poll: {
      intervalMs: options.pollMs,
      soonerMs: ({ nextExpiryMs }) =>
        nextExpiryMs === undefined ? undefined : Math.max(5, nextExpiryMs + 5),
    },
    backoff: { initialMs: 100, maxMs: 2000 },
    dedupe: true,
    onError: (error, retryInMs) =>
      session.lifecycle.reportError(toElectionError(error, 'read the election', retryInMs)),
  });

  /** A holder as of `version`; never one older than what was shown (a read that raced our write). */
  function show(holder: LockHolder, version: bigint): void {
    if (version < shown || version < (feed.revision ?? 0n)) return;
    shown = version;
    feed.publishHolder(holder, version, holder === null ? undefined : registration);
  }

  const lock: LockCalls = {
    async attempt() {
      const answer = await run(statements.acquire(registration), 'take the leader row');
      if ('gone' in answer)
        throw new SessionLostError('The registration row expired; join again.', { source: SOURCE });
      if ('heldBy' in answer) {
        if ((feed.revision ?? 0n) < answer.heldBy) feed.wake();
        return { token: null, blocker: answer.heldBy };
      }
      // The token is the version of the write: the leader row is ours as of it. Shown now, so a
      // release before the next read is not the only thing the holder watch reports.
      if (feed.holder?.token !== answer.token) show({ id: member.id, token: answer.token }, answer.token);
      return answer;
    },
    async release(token) {
      const version = await run(statements.release(registration, token), 'release the leader row');
      if (version !== null) show(null, version);
    },
    async transfer(token, to) {
      const handed = await run(statements.transfer(registration, token, to), 'hand over the leader row');
      if (handed !== null) feed.wake();
      return handed;
    },
  };

  const unlisten = options.listen
    ? listen(options.connection.config, channelOf(schema), options.election, {
        wake: () => feed.wake(),
        logger,
        pollMs: options.pollMs,
        probe: options.listenProbe,
        notify: (channel, payload) => run(statements.notify(channel, payload), 'send a probe NOTIFY'),
      })
    : undefined;
  const session = new SessionSkeleton({
    logger,
    clock,
    source: SOURCE,
    what: 'postgres session',
    mapError: toElectionError,
    feed,
    lock,
    initialDeadline: o.startedAt + ttlMs,
    renewals: {
      ttlMs,
      startedAt: o.startedAt,
      timeoutMs: requestTimeoutMs,
      action: 'renew the registration',
      async renew() {
        if (await statements.renew(registration, ttlMs)) return { alive: true };
        const cause = new SessionLostError('The registration row expired or was deleted; join again.', {
          source: SOURCE,
        });
        return { alive: false, cause };
      },
    },
    hold: o.hold,
    ...(unlisten === undefined ? {} : { stop: unlisten }),
    ended: o.ended,
    abandon: () => o.own.abandoned(registration),
    gone: () => o.own.gone(registration),
    // Deletes the row and the leader row it holds, in one statement: the next node can take over at once.
    // A leave's bound is leaveTimeoutMs: its lock wait follows that bound (the server gives up first).
    revoke: (why) =>
      why === 'leave'
        ? boundedBy(leaveTimeoutMs, clock)(
            statements.deregister(registration, leaveTimeoutMs),
            'delete the registration row',
          )
        : run(statements.deregister(registration), 'delete the registration row'),
    revokeAction: 'delete the registration row',
    revokeLost: true,
    leaveTimeoutMs,
    update: async (next) => {
      const updated = await run(
        statements.update(registration, encodeMember(next)),
        'rewrite the member row',
      );
      if (updated) feed.wake();
      return updated;
    },
    updateLost: (next) => `The row of "${next.id}" is gone; join again.`,
  }) as SessionSkeleton & { readonly lock: LeaderLock };
  reportMalformed = (error) => session.lifecycle.reportError(error);
  return session;
}
