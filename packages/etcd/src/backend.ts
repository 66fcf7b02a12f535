import {
  type BackendCapabilities,
  type JoinRequest,
  LifecycleError,
  MalformedReporter,
  type MembershipBackend,
  type MembershipSession,
  silentLogger,
} from '@election/core/adapter';
import { createClient } from './client.js';
import { toElectionError, within } from './errors.js';
import { type JoinContext, registerMember, revokeLease } from './join.js';
import { type KeyLayout, keyLayout } from './keys.js';
import {
  capabilitiesFor,
  checkEtcdTtl,
  type EtcdMembershipOptions,
  resolveOptions,
  SOURCE,
} from './options.js';
import { OwnLeases } from './own-leases.js';
import { EtcdSession } from './session.js';

export interface EtcdMembershipBackend extends MembershipBackend {
  readonly name: 'etcd';
  readonly capabilities: BackendCapabilities;
  /** The keys this backend reads and writes, for inspection (`etcdctl get --prefix <root>`). */
  readonly keys: Pick<KeyLayout, 'root' | 'membersPrefix' | 'leaderKey'>;
  /** Throws ConfigurationError unless `ttlMs` is a TTL etcd leases honour (whole seconds, ≥ 2 s). */
  checkTtl(ttlMs: number): number;
}

/**
 * Membership and a leader lock on etcd v3. Each joined node holds one lease; its member key and,
 * while it leads, the leader key are bound to that lease. See the package README for the layout.
 */
export function createEtcdMembership(options: EtcdMembershipOptions = {}): EtcdMembershipBackend {
  const resolved = resolveOptions(options);
  const handle = createClient(options, resolved.requestTimeoutMs);
  const layout = keyLayout(resolved.prefix, resolved.election);
  // One per backend, across sessions: each malformed key is reported once (logger given per report).
  const reporter = new MalformedReporter(silentLogger);
  const leases = new OwnLeases();
  const sessions = new Set<EtcdSession>();
  let closed = false;

  async function join(request: JoinRequest): Promise<MembershipSession> {
    if (closed) {
      throw new LifecycleError('This etcd membership backend was closed; create a new one.', {
        source: SOURCE,
      });
    }
    request.signal.throwIfAborted();
    const logger = request.logger.child({
      backend: 'etcd',
      election: resolved.election,
      memberId: request.member.id,
    });
    const context: JoinContext = {
      client: handle.client,
      layout,
      election: resolved.election,
      leases,
      requestTimeoutMs: resolved.requestTimeoutMs,
      logger,
    };
    const grantSentAt = request.clock.now();
    let leaseId: string;
    try {
      const grant = await handle.client.leaseClient.leaseGrant(
        { TTL: request.ttlMs / 1000 },
        within(resolved.requestTimeoutMs),
      );
      leaseId = grant.ID;
    } catch (error) {
      throw toElectionError(error, `grant an etcd lease (${handle.description})`);
    }
    leases.granted(leaseId);
    try {
      const registered = await registerMember(context, request, leaseId);
      request.signal.throwIfAborted();
      const session: EtcdSession = new EtcdSession({
        client: handle.client,
        layout,
        member: request.member,
        leaseId,
        ttlMs: request.ttlMs,
        clock: request.clock,
        logger,
        grantSentAt,
        initialKvs: registered.kvs,
        revision: registered.revision,
        reporter,
        requestTimeoutMs: resolved.requestTimeoutMs,
        leaveTimeoutMs: resolved.leaveTimeoutMs,
        onRetired: (id, gone) => {
          sessions.delete(session);
          if (gone) leases.gone(id);
          else leases.abandoned(id);
        },
      });
      sessions.add(session);
      session.start();
      logger.debug({ leaseId, revision: registered.revision.toString() }, 'joined the election');
      revokeAbandoned(context);
      return session;
    } catch (error) {
      // Nothing uses this lease now; revoke it rather than leave a stray for a whole TTL.
      leases.gone(leaseId);
      revokeLease(context, leaseId).catch((revokeError: unknown) => {
        logger.debug(
          { err: revokeError, leaseId },
          'could not revoke the lease of a failed join; it expires by TTL',
        );
      });
      throw error;
    }
  }

  /** Frees what earlier abandoned sessions still hold (a leader key, most importantly). */
  function revokeAbandoned(context: JoinContext): void {
    for (const leaseId of leases.listAbandoned()) {
      revokeLease(context, leaseId).catch((error: unknown) => {
        context.logger.debug({ err: error, leaseId }, 'could not revoke an abandoned lease yet');
      });
    }
  }

  return {
    name: 'etcd',
    capabilities: capabilitiesFor(resolved.defaultTtlMs),
    keys: { root: layout.root, membersPrefix: layout.membersPrefix, leaderKey: layout.leaderKey },
    checkTtl: (ttlMs) => checkEtcdTtl(ttlMs),
    join,
    async close() {
      if (closed) return;
      closed = true;
      for (const session of [...sessions]) session.close();
      if (handle.owned) handle.client.close();
    },
  };
}
