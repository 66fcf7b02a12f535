import {
  type BackendCapabilities,
  BackendLifecycle,
  type JoinRequest,
  LifecycleBackend,
  MalformedReporter,
  type MembershipBackend,
  type MembershipSession,
  OwnRegistrations,
  silentLogger,
} from '@election/core/adapter';
import type { Etcd3 } from 'etcd3';
import { type ClientSource, clientSource } from './client.js';
import { type JoinContext, joinElection, revokeLease } from './join.js';
import { type KeyLayout, keyLayout } from './keys.js';
import { capabilitiesFor, checkEtcdTtl, type EtcdMembershipOptions, resolveOptions } from './options.js';
import { openEtcdSession } from './session.js';
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

/** Its client is opened and closed by LifecycleBackend's rules; the lease revocations hold it too. */
class EtcdBackend extends LifecycleBackend<Etcd3> implements EtcdMembershipBackend {
  readonly name = 'etcd';
  readonly capabilities: BackendCapabilities;
  readonly keys: EtcdMembershipBackend['keys'];
  readonly endpoint: string;
  readonly #resolved: ReturnType<typeof resolveOptions>;
  readonly #source: ClientSource;
  /** What every join and revocation of this backend shares; the client and the logger are per join. */
  readonly #context: Omit<JoinContext, 'client' | 'logger' | 'discard'>;
  /** One per backend, across sessions: each malformed key is reported once (logger given per report). */
  readonly #reporter = new MalformedReporter(silentLogger);
  /** The leases this backend granted and has not seen end (see OwnRegistrations). */
  readonly #leases = new OwnRegistrations({ limit: 1000 });
  /** retain()s, sessions, joins and the backend's own requests: the client closes when none is left. */
  protected readonly lifecycle: BackendLifecycle<Etcd3>;

  constructor(options: EtcdMembershipOptions) {
    super();
    this.#resolved = resolveOptions(options);
    this.#source = clientSource(options, this.#resolved.requestTimeoutMs);
    this.endpoint = this.#source.description;
    this.lifecycle = new BackendLifecycle({
      source: SOURCE,
      what: 'etcd membership backend',
      client: this.#source.lifecycle,
    });
    const { prefix, election, requestTimeoutMs } = this.#resolved;
    const layout = keyLayout(prefix, election);
    this.#context = { layout, election, leases: this.#leases, requestTimeoutMs, endpoint: this.endpoint };
    this.capabilities = capabilitiesFor(this.#resolved.defaultTtlMs);
    this.keys = { root: layout.root, membersPrefix: layout.membersPrefix, leaderKey: layout.leaderKey };
  }

  checkTtl(ttlMs: number): number {
    return checkEtcdTtl(ttlMs);
  }

  async join(request: JoinRequest): Promise<MembershipSession> {
    const logger = request.logger.child({
      backend: 'etcd',
      election: this.#resolved.election,
      memberId: request.member.id,
    });
    const context = this.#context;
    return this.lifecycle.join({
      signal: request.signal,
      register: (client, signal) => {
        signal.throwIfAborted();
        const discard = (leaseId: string) => this.#discard(leaseId, logger);
        return joinElection({ ...context, client, logger, discard }, { ...request, signal });
      },
      // close() overtook the join: the lease is revoked (the client stays open for it).
      discard: (joined, client) => {
        this.#leases.abandoned(joined.leaseId);
        return revokeLease({ ...context, client }, joined.leaseId);
      },
      open: (joined, client, ended) => {
        const session = openEtcdSession({
          client,
          layout: context.layout,
          request,
          joined,
          logger,
          reporter: this.#reporter,
          requestTimeoutMs: context.requestTimeoutMs,
          leaveTimeoutMs: this.#resolved.leaveTimeoutMs,
          track: (work) => this.lifecycle.during(work),
          onRetired: (id, gone) => {
            if (gone) this.#leases.gone(id);
            else this.#leases.abandoned(id);
            ended();
          },
        });
        session.start();
        const { leaseId, revision } = joined;
        logger.debug({ leaseId, revision: revision.toString() }, 'joined the election');
        // Frees what earlier abandoned sessions still hold (a leader key, most importantly).
        this.#leases.revokeInBackground(
          this.#leases.listAbandoned(),
          (id) => this.#revoke(id),
          (error, id) => logger.debug({ err: error, leaseId: id }, 'could not revoke an abandoned lease yet'),
        );
        return session;
      },
    });
  }

  /** A lease a join gave up: abandoned until etcd confirms its revocation (after close() too: the client stays open for it). */
  #discard(leaseId: string, logger: JoinContext['logger']): void {
    this.#leases.abandoned(leaseId);
    this.#leases.revokeInBackground(
      [leaseId],
      (id) => this.#revoke(id),
      (error) =>
        logger.debug(
          { err: error, leaseId },
          'could not revoke the lease of a failed join; it expires by TTL',
        ),
    );
  }

  #revoke(leaseId: string): Promise<void> {
    return this.lifecycle.using((client) => revokeLease({ ...this.#context, client }, leaseId));
  }
}
