import {
  BackendUnavailableError,
  type Clock,
  DuplicateMemberError,
  duplicateMember,
  type JoinRequest,
  joinRounds,
  type Logger,
  type OwnRegistrations,
  waitOutHolder as waitOut,
} from '@election/core/adapter';
import { CompareResult, CompareTarget, type Etcd3, type IKeyValue } from 'etcd3';
import { isLeaseGone, toElectionError, within } from './errors.js';
import { encodeMember, type KeyLayout, prefixRange } from './keys.js';
import { SOURCE } from './source.js';

export interface JoinContext {
  readonly client: Etcd3;
  readonly layout: KeyLayout;
  readonly election: string;
  readonly leases: OwnRegistrations;
  readonly requestTimeoutMs: number;
  /** The etcd endpoints, for error messages. */
  readonly endpoint: string;
  readonly logger: Logger;
  /**
   * A lease of this join is of no use any more: count it as abandoned and revoke it in the
   * background (until etcd confirms, a later join may meet it holding the member key).
   */
  readonly discard: (leaseId: string) => void;
}

/** A registration: the lease and what the join transaction read. */
export interface Joined {
  readonly leaseId: string;
  /** Clock time just before the grant was sent: the lease is known alive until this + TTL. */
  readonly grantSentAt: number;
  /** Every key of the election as of `revision`, our own member key included. */
  readonly kvs: IKeyValue[];
  readonly revision: bigint;
}

/**
 * etcd finds expired leases on a 500 ms tick and revokes them through raft: a lease that is not
 * renewed is gone within about this long after its expiry on a healthy cluster. Only used to say
 * how long a join expects to wait.
 */
export const REVOKE_LAG_MS = 1500;

/** Rounds of "create the member key, or clear its holder" before a join gives up (core retries it). */
const MAX_ROUNDS = 5;

/** Revokes a lease, treating "already gone" as success. */
export async function revokeLease(
  context: Pick<JoinContext, 'client' | 'leases' | 'requestTimeoutMs'>,
  leaseId: string,
): Promise<void> {
  await context.leases.revoke(
    leaseId,
    () => context.client.leaseClient.leaseRevoke({ ID: leaseId }, within(context.requestTimeoutMs)),
    isLeaseGone,
  );
}

/**
 * Grants a lease and creates the member key on it, only if absent, reading the whole election in
 * the same transaction, so the watch can start right after that revision. When another lease
 * holds the key: one this backend abandoned earlier is revoked, and so is any holder under
 * `request.takeover`; otherwise the holder's liveness decides (see `waitOutHolder`): a holder that
 * is not renewed is waited out and the join goes ahead on a fresh lease, a renewed one keeps the
 * id and the join fails with DuplicateMemberError. The signal is checked before the grant's
 * registration and after it, so an abort never leaves a registration the caller does not know of.
 */
export function joinElection(context: JoinContext, request: JoinRequest): Promise<Joined> {
  const { member, signal } = request;
  // Each round either registers or clears one holder (revoked, or waited out until etcd revoked
  // it); the key only comes back if another node registers the id meanwhile.
  return joinRounds<Joined, IKeyValue, Granted>({
    signal,
    takeover: request.takeover,
    maxRounds: MAX_ROUNDS,
    tooManyRounds: () =>
      new BackendUnavailableError(
        `Could not register member "${member.id}": its key kept changing under concurrent writes. Retrying may help.`,
        { source: SOURCE },
      ),
    // The wait may outlast a TTL without renewals of our own lease: it is given up, a new one taken.
    own: { create: () => grantLease(context, request), discard: (lease) => context.discard(lease.leaseId) },
    async register(lease) {
      signal.throwIfAborted();
      const outcome = await createMemberKey(context, request, lease.leaseId);
      if (!outcome.created) return { holder: outcome.holder };
      signal.throwIfAborted();
      return { registered: { ...lease, kvs: outcome.kvs, revision: outcome.revision } };
    },
    duplicate: (holder) =>
      holder.lease === '0' || context.leases.isActive(holder.lease)
        ? duplicate(context, member.id, holder, 'held')
        : undefined,
    abandoned: (holder) => context.leases.isAbandoned(holder.lease),
    revoke: (holder) => revokeHolder(context, member.id, holder),
    log: { logger: context.logger, id: member.id, fields: (holder) => ({ leaseId: holder.lease }) },
    waitOut: (holder) => waitOutHolder(context, request, holder),
  });
}

interface Granted {
  readonly leaseId: string;
  readonly grantSentAt: number;
}

async function grantLease(context: JoinContext, request: JoinRequest): Promise<Granted> {
  const grantSentAt = request.clock.now();
  try {
    const grant = await context.client.leaseClient.leaseGrant(
      { TTL: request.ttlMs / 1000 },
      within(context.requestTimeoutMs),
    );
    context.leases.granted(grant.ID);
    return { leaseId: grant.ID, grantSentAt };
  } catch (error) {
    throw toElectionError(error, `grant an etcd lease (${context.endpoint})`);
  }
}

type Creation =
  | { readonly created: true; readonly kvs: IKeyValue[]; readonly revision: bigint }
  | { readonly created: false; readonly holder: IKeyValue | undefined };

async function createMemberKey(
  context: JoinContext,
  request: JoinRequest,
  leaseId: string,
): Promise<Creation> {
  const { client, layout, requestTimeoutMs } = context;
  const { member } = request;
  const key = Buffer.from(layout.memberKey(member.id));
  let response: Awaited<ReturnType<Etcd3['kv']['txn']>>;
  try {
    response = await client.kv.txn(
      {
        compare: [{ key, target: CompareTarget.Create, result: CompareResult.Equal, create_revision: 0 }],
        success: [
          { request_put: { key, value: Buffer.from(encodeMember(member)), lease: leaseId } },
          { request_range: prefixRange(layout.root) },
        ],
        failure: [{ request_range: { key } }],
      },
      within(requestTimeoutMs),
    );
  } catch (error) {
    throw toElectionError(error, `register member "${member.id}" in etcd`);
  }
  if (response.succeeded) {
    return {
      created: true,
      kvs: response.responses[1]?.response_range?.kvs ?? [],
      revision: BigInt(response.header.revision),
    };
  }
  return { created: false, holder: response.responses[0]?.response_range?.kvs[0] };
}

async function revokeHolder(context: JoinContext, id: string, holder: IKeyValue): Promise<void> {
  try {
    await revokeLease(context, holder.lease);
  } catch (error) {
    throw toElectionError(error, `revoke the previous registration of "${id}" (lease ${holder.lease})`);
  }
}

/** One LeaseTimeToLive answer about the holder's lease. */
interface Reading {
  /** Clock time just before the request was sent, and when its answer came. */
  readonly sentAt: number;
  readonly answeredAt: number;
  /** etcd no longer knows the lease: it expired and was revoked, or was revoked. */
  readonly gone: boolean;
  /**
   * Remaining seconds, truncated toward zero: `r ≥ 1` means at least `r` s were left, `r ≤ 0`
   * more than `r - 1` s (an expired lease etcd has yet to revoke reads 0, then negative).
   */
  readonly ttl: number;
  /** The TTL the lease was granted, s. */
  readonly grantedTtl: number;
  /** etcd's raft term: a new etcd leader restarts every lease's clock with a full TTL. */
  readonly raftTerm: string;
}

async function readLease(context: JoinContext, clock: Clock, leaseId: string): Promise<Reading> {
  const sentAt = clock.now();
  try {
    const response = await context.client.leaseClient.leaseTimeToLive(
      { ID: leaseId },
      within(context.requestTimeoutMs),
    );
    const grantedTtl = Number(response.grantedTTL);
    return {
      sentAt,
      answeredAt: clock.now(),
      // etcd answers a lease it does not know with TTL -1 and no granted TTL; every lease it
      // knows was granted a positive TTL.
      gone: !(grantedTtl > 0),
      ttl: Number(response.TTL),
      grantedTtl,
      raftTerm: String(response.header.raft_term),
    };
  } catch (error) {
    if (isLeaseGone(error)) {
      return { sentAt, answeredAt: clock.now(), gone: true, ttl: -1, grantedTtl: 0, raftTerm: '' };
    }
    throw toElectionError(error, `read the lease of the previous registration (${context.endpoint})`);
  }
}

/**
 * Waits until the holder's lease is gone, or throws DuplicateMemberError once it is seen renewed.
 *
 * etcd answers the remaining time in seconds truncated toward zero. From a reading answered at
 * `a` with `r ≥ 0` seconds the lease, unless renewed, expires before `a + (r + 1) s`: that is
 * the bound. A later reading sent at `t` proves the lease alive until after `t + r'` s when
 * `r' ≥ 1`, and until after `t + (r' - 1)` s when `r' ≤ 0` (etcd read it no earlier than `t`).
 * Once that proven expiry reaches the bound, the lease was renewed: a live holder. No guess about
 * how fast etcd revokes expired leases enters the decision; it only sizes the announced wait. A
 * new raft term (etcd elected a leader, which restarts every lease's clock) starts the
 * observation over.
 */
function waitOutHolder(context: JoinContext, request: JoinRequest, holder: IKeyValue): Promise<void> {
  const { clock, signal, member } = request;
  const leaseId = holder.lease;
  const boundOf = (reading: Reading) => reading.answeredAt + (Math.max(0, reading.ttl) + 1) * 1000;
  return waitOut<Reading>({
    clock,
    signal,
    logger: context.logger,
    id: member.id,
    fields: { leaseId },
    read: async () => {
      const reading = await readLease(context, clock, leaseId);
      return reading.gone ? undefined : reading;
    },
    pollMs: (first) => Math.max(50, Math.min(500, (first.grantedTtl * 1000) / 4)),
    waitMs: (first) => Math.max(0, Math.ceil(boundOf(first) + REVOKE_LAG_MS - clock.now())),
    judge(reading, base) {
      if (reading.raftTerm !== base.raftTerm) {
        context.logger.debug(
          { leaseId, raftTerm: reading.raftTerm },
          'etcd elected a leader meanwhile, which restarts lease clocks; observing the lease afresh',
        );
        return 'restart';
      }
      const provenSeconds = reading.ttl >= 1 ? reading.ttl : reading.ttl - 1;
      return reading.sentAt + provenSeconds * 1000 >= boundOf(base) ? 'renewed' : 'waiting';
    },
    duplicate: () => duplicate(context, member.id, holder, 'renewed'),
  });
}

function duplicate(
  context: JoinContext,
  id: string,
  holder: IKeyValue,
  how: 'held' | 'renewed',
): DuplicateMemberError {
  const where = `election "${context.election}" (key ${context.layout.memberKey(id)})`;
  if (holder.lease === '0') {
    return new DuplicateMemberError(
      id,
      `Member id "${id}" is taken in ${where} by a key without a lease, which never expires. ` +
        `Delete it with etcdctl del, or choose another id.`,
      { source: SOURCE },
    );
  }
  const evidence =
    how === 'renewed'
      ? `its lease ${holder.lease} was renewed while this node waited for it to expire`
      : `lease ${holder.lease}, renewed by this very process`;
  return duplicateMember({ source: SOURCE, id, where, evidence });
}
