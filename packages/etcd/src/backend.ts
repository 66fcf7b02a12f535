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
import { capabilitiesFor, checkEtcdTtl, type EtcdMembershipOptions, resolveOptions } from './options.js';
import { OwnLeases } from './own-leases.js';
import { EtcdSession } from './session.js';
import { SOURCE } from './source.js';

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
  return new EtcdBackend(options);
}

class EtcdBackend implements EtcdMembershipBackend {
  readonly name = 'etcd';
  readonly capabilities: BackendCapabilities;
  readonly keys: EtcdMembershipBackend['keys'];
  readonly #resolved: ReturnType<typeof resolveOptions>;
  readonly #handle: ReturnType<typeof createClient>;
  readonly #layout: KeyLayout;
  /** One per backend, across sessions: each malformed key is reported once (logger given per report). */
  readonly #reporter = new MalformedReporter(silentLogger);
  readonly #leases = new OwnLeases();
  readonly #sessions = new Set<EtcdSession>();
  #closed = false;

  constructor(options: EtcdMembershipOptions) {
    this.#resolved = resolveOptions(options);
    this.#handle = createClient(options, this.#resolved.requestTimeoutMs);
    this.#layout = keyLayout(this.#resolved.prefix, this.#resolved.election);
    this.capabilities = capabilitiesFor(this.#resolved.defaultTtlMs);
    const { root, membersPrefix, leaderKey } = this.#layout;
    this.keys = { root, membersPrefix, leaderKey };
  }

  checkTtl(ttlMs: number): number {
    return checkEtcdTtl(ttlMs);
  }

  async join(request: JoinRequest): Promise<MembershipSession> {
    if (this.#closed) {
      throw new LifecycleError('This etcd membership backend was closed; create a new one.', {
        source: SOURCE,
      });
    }
    request.signal.throwIfAborted();
    const logger = request.logger.child({
      backend: 'etcd',
      election: this.#resolved.election,
      memberId: request.member.id,
    });
    const context: JoinContext = {
      client: this.#handle.client,
      layout: this.#layout,
      election: this.#resolved.election,
      leases: this.#leases,
      requestTimeoutMs: this.#resolved.requestTimeoutMs,
      logger,
    };
    const grantSentAt = request.clock.now();
    let leaseId: string;
    try {
      const grant = await this.#handle.client.leaseClient.leaseGrant(
        { TTL: request.ttlMs / 1000 },
        within(this.#resolved.requestTimeoutMs),
      );
      leaseId = grant.ID;
    } catch (error) {
      throw toElectionError(error, `grant an etcd lease (${this.#handle.description})`);
    }
    this.#leases.granted(leaseId);
    try {
      const registered = await registerMember(context, request, leaseId);
      request.signal.throwIfAborted();
      const session: EtcdSession = new EtcdSession({
        client: this.#handle.client,
        layout: this.#layout,
        member: request.member,
        leaseId,
        ttlMs: request.ttlMs,
        clock: request.clock,
        logger,
        grantSentAt,
        initialKvs: registered.kvs,
        revision: registered.revision,
        reporter: this.#reporter,
        requestTimeoutMs: this.#resolved.requestTimeoutMs,
        leaveTimeoutMs: this.#resolved.leaveTimeoutMs,
        onRetired: (id, gone) => {
          this.#sessions.delete(session);
          if (gone) this.#leases.gone(id);
          else this.#leases.abandoned(id);
        },
      });
      this.#sessions.add(session);
      session.start();
      logger.debug({ leaseId, revision: registered.revision.toString() }, 'joined the election');
      this.#revokeAbandoned(context);
      return session;
    } catch (error) {
      // Nothing uses this lease now; revoke it rather than leave a stray for a whole TTL. Until
      // etcd confirms, it counts as abandoned: the registration may have committed with its answer
      // lost (etcd died mid-join), and then the next join must revoke it, not see a duplicate.
      this.#leases.abandoned(leaseId);
      revokeLease(context, leaseId).catch((revokeError: unknown) => {
        logger.debug(
          { err: revokeError, leaseId },
          'could not revoke the lease of a failed join; it expires by TTL',
        );
      });
      throw error;
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const session of [...this.#sessions]) session.close();
    if (this.#handle.owned) this.#handle.client.close();
  }

  /** Frees what earlier abandoned sessions still hold (a leader key, most importantly). */
  #revokeAbandoned(context: JoinContext): void {
    for (const leaseId of this.#leases.listAbandoned()) {
      revokeLease(context, leaseId).catch((error: unknown) => {
        context.logger.debug({ err: error, leaseId }, 'could not revoke an abandoned lease yet');
      });
    }
  }
}
