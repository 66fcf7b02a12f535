import {
  BackendUnavailableError,
  DuplicateMemberError,
  type JoinRequest,
  type Logger,
} from '@election/core/adapter';
import { CompareResult, CompareTarget, type Etcd3, type IKeyValue } from 'etcd3';
import { isLeaseGone, toElectionError, within } from './errors.js';
import { encodeMember, type KeyLayout, prefixRange } from './keys.js';
import type { OwnLeases } from './own-leases.js';
import { SOURCE } from './source.js';

export interface JoinContext {
  readonly client: Etcd3;
  readonly layout: KeyLayout;
  readonly election: string;
  readonly leases: OwnLeases;
  readonly requestTimeoutMs: number;
  readonly logger: Logger;
}

export interface Registered {
  /** Every key of the election as of `revision`, our own member key included. */
  readonly kvs: IKeyValue[];
  readonly revision: bigint;
}

/** Revokes a lease, treating "already gone" as success. */
export async function revokeLease(context: JoinContext, leaseId: string): Promise<void> {
  try {
    await context.client.leaseClient.leaseRevoke({ ID: leaseId }, within(context.requestTimeoutMs));
  } catch (error) {
    if (!isLeaseGone(error)) throw error;
  }
  context.leases.gone(leaseId);
}

/**
 * Creates the member key, bound to `leaseId`, only if absent, and reads the whole election in the
 * same transaction, so the watch can start right after that revision. If the key is held by a
 * lease this backend abandoned earlier, that lease is revoked and the creation retried; any other
 * holder keeps its membership and this join fails with DuplicateMemberError.
 */
export async function registerMember(
  context: JoinContext,
  request: JoinRequest,
  leaseId: string,
): Promise<Registered> {
  const { client, layout, requestTimeoutMs } = context;
  const { member, signal } = request;
  const key = Buffer.from(layout.memberKey(member.id));
  for (let attempt = 0; attempt < 3; attempt++) {
    signal.throwIfAborted();
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
        kvs: response.responses[1]?.response_range?.kvs ?? [],
        revision: BigInt(response.header.revision),
      };
    }
    const holder = response.responses[0]?.response_range?.kvs[0];
    if (holder === undefined) continue; // deleted between compare and read: try again
    if (context.leases.isAbandoned(holder.lease)) {
      context.logger.info(
        { leaseId: holder.lease },
        'revoking the lease of an abandoned registration of this node',
      );
      try {
        await revokeLease(context, holder.lease);
      } catch (error) {
        throw toElectionError(error, 'revoke an abandoned lease of this node');
      }
      continue;
    }
    throw duplicate(context, member.id, holder);
  }
  throw new BackendUnavailableError(
    `Could not register member "${member.id}": its key kept changing under concurrent writes. Retrying may help.`,
    { source: SOURCE },
  );
}

function duplicate(context: JoinContext, id: string, holder: IKeyValue): DuplicateMemberError {
  const where = `election "${context.election}" (key ${context.layout.memberKey(id)})`;
  if (holder.lease === '0') {
    return new DuplicateMemberError(
      id,
      `Member id "${id}" is taken in ${where} by a key without a lease, which never expires. ` +
        `Delete it with etcdctl del, or choose another id.`,
      { source: SOURCE },
    );
  }
  return new DuplicateMemberError(
    id,
    `Member id "${id}" is already registered in ${where} by another live node (lease ${holder.lease}). ` +
      'Give each node a unique id; if that node is gone, its registration expires within its TTL.',
    { source: SOURCE },
  );
}
