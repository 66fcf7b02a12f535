import {
  type BackendCapabilities,
  BackendLifecycle,
  type JoinRequest,
  LifecycleError,
  MalformedReporter,
  type MembershipBackend,
  type MembershipSession,
  silentLogger,
} from '@election/core/adapter';
import type { Etcd3 } from 'etcd3';
import { type ClientSource, clientSource } from './client.js';
import { type JoinContext, joinElection, revokeLease } from './join.js';
import { type KeyLayout, keyLayout } from './keys.js';
import { capabilitiesFor, checkEtcdTtl, type EtcdMembershipOptions, resolveOptions } from './options.js';
import { OwnLeases } from './own-leases.js';
import { type EtcdSession, openEtcdSession } from './session.js';
import { SOURCE } from './source.js';

export interface EtcdMembershipBackend extends MembershipBackend {
  readonly name: 'etcd';
  readonly capabilities: BackendCapabilities;
  /** The etcd endpoints (`http://127.0.0.1:2379,…`), for logs; never carries credentials. */
  readonly endpoint: string;
  /** The keys this backend reads and writes, for inspection (`etcdctl get --prefix <root>`). */
  readonly keys: Pick<KeyLayout, 'root' | 'membersPrefix' | 'leaderKey'>;
  /** Throws ConfigurationError unless `ttlMs` is a TTL etcd leases honour (whole seconds, ≥ 2 s). */
  checkTtl(ttlMs: number): number;
  retain(): () => void;
}

/**
 * Membership and a leader lock on etcd v3. Each joined node holds one lease; its member key and,
 * while it leads, the leader key are bound to that lease. See the package README for the layout.
 */
export function createEtcdMembership(options: EtcdMembershipOptions = {}): EtcdMembershipBackend {
  return new EtcdBackend(options);
}

/**
 * The client this backend creates is opened on first use (`retain()`, `join()`) and closed as soon
 * as nothing uses it: no retain, no join in flight, no session, no request of its own in flight
 * (a revocation). A caller-provided client is never closed. `close()` ends the backend for good.
 */
class EtcdBackend implements EtcdMembershipBackend {
  readonly name = 'etcd';
  readonly capabilities: BackendCapabilities;
  readonly keys: EtcdMembershipBackend['keys'];
  readonly endpoint: string;
  readonly #resolved: ReturnType<typeof resolveOptions>;
  readonly #source: ClientSource;
  readonly #layout: KeyLayout;
  /** One per backend, across sessions: each malformed key is reported once (logger given per report). */
  readonly #reporter = new MalformedReporter(silentLogger);
  readonly #leases = new OwnLeases();
  /** retain()s, sessions, joins and the backend's own requests: the client closes when none is left. */
  readonly #lifecycle: BackendLifecycle<Etcd3>;

  constructor(options: EtcdMembershipOptions) {
    this.#resolved = resolveOptions(options);
    this.#source = clientSource(options, this.#resolved.requestTimeoutMs);
    this.endpoint = this.#source.description;
    const source = this.#source;
    this.#lifecycle = new BackendLifecycle({
      source: SOURCE,
      what: 'etcd membership backend',
      client: { open: () => source.open(), release: (client) => source.owned && client?.close() },
    });
    this.#layout = keyLayout(this.#resolved.prefix, this.#resolved.election);
    this.capabilities = capabilitiesFor(this.#resolved.defaultTtlMs);
    const { root, membersPrefix, leaderKey } = this.#layout;
    this.keys = { root, membersPrefix, leaderKey };
  }

  checkTtl(ttlMs: number): number {
    return checkEtcdTtl(ttlMs);
  }

  retain(): () => void {
    return this.#lifecycle.retain();
  }

  async join(request: JoinRequest): Promise<MembershipSession> {
    this.#lifecycle.assertOpen();
    request.signal.throwIfAborted();
    const logger = request.logger.child({
      backend: 'etcd',
      election: this.#resolved.election,
      memberId: request.member.id,
    });
    return this.#lifecycle.using(async (client) => {
      const context: JoinContext = {
        client,
        layout: this.#layout,
        election: this.#resolved.election,
        leases: this.#leases,
        requestTimeoutMs: this.#resolved.requestTimeoutMs,
        endpoint: this.endpoint,
        logger,
        discard: (leaseId) => this.#discard(leaseId, logger),
      };
      const joined = await joinElection(context, request);
      if (this.#lifecycle.closed) {
        // close() came while this join was in flight: what it registered must not outlive the backend.
        // Revoked if the client still works (one passed in); else it expires by TTL, never renewed.
        this.#leases.abandoned(joined.leaseId);
        const { requestTimeoutMs } = this.#resolved;
        await revokeLease({ client, leases: this.#leases, requestTimeoutMs }, joined.leaseId).catch(() => {});
        throw new LifecycleError('This etcd membership backend was closed while joining.', {
          source: SOURCE,
        });
      }
      let released = () => {}; // the session keeps the client open until it retires
      const session: EtcdSession = openEtcdSession({
        client,
        layout: this.#layout,
        member: request.member,
        leaseId: joined.leaseId,
        ttlMs: request.ttlMs,
        clock: request.clock,
        logger,
        grantSentAt: joined.grantSentAt,
        initialKvs: joined.kvs,
        revision: joined.revision,
        reporter: this.#reporter,
        requestTimeoutMs: this.#resolved.requestTimeoutMs,
        leaveTimeoutMs: this.#resolved.leaveTimeoutMs,
        track: (work) => this.#lifecycle.during(work),
        onRetired: (id, gone) => {
          if (gone) this.#leases.gone(id);
          else this.#leases.abandoned(id);
          released();
        },
      });
      released = this.#lifecycle.adopt(session);
      session.start();
      logger.debug({ leaseId: joined.leaseId, revision: joined.revision.toString() }, 'joined the election');
      this.#revokeAbandoned(logger);
      return session;
    });
  }

  async close(): Promise<void> {
    this.#lifecycle.close();
  }

  /** A lease a join gave up: abandoned until etcd confirms its revocation. */
  #discard(leaseId: string, logger: JoinContext['logger']): void {
    this.#leases.abandoned(leaseId);
    if (this.#lifecycle.closed) return;
    this.#revoke(leaseId).catch((error: unknown) => {
      logger.debug({ err: error, leaseId }, 'could not revoke the lease of a failed join; it expires by TTL');
    });
  }

  /** Frees what earlier abandoned sessions still hold (a leader key, most importantly). */
  #revokeAbandoned(logger: JoinContext['logger']): void {
    for (const leaseId of this.#leases.listAbandoned()) {
      this.#revoke(leaseId).catch((error: unknown) => {
        logger.debug({ err: error, leaseId }, 'could not revoke an abandoned lease yet');
      });
    }
  }

  #revoke(leaseId: string): Promise<void> {
    const { requestTimeoutMs } = this.#resolved;
    return this.#lifecycle.using((client) =>
      revokeLease({ client, leases: this.#leases, requestTimeoutMs }, leaseId),
    );
  }
}
