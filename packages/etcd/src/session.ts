import {
  type AcknowledgedRenewal,
  type Clock,
  type Logger,
  type MalformedReporter,
  type Member,
  type MembershipEvent,
  type MembershipSession,
  type Renewer,
  SessionLifecycle,
  SessionLostError,
  type Unsubscribe,
} from '@election/core/adapter';
import { CompareResult, CompareTarget, type Etcd3, type IKeyValue } from 'etcd3';
import { ElectionView } from './election-view.js';
import { ElectionWatcher } from './election-watcher.js';
import { isLeaseGone, toElectionError, within, withTimeout } from './errors.js';
import { encodeMember, type KeyLayout } from './keys.js';
import { EtcdLeaderLock } from './leader-lock.js';
import { startRenewer } from './renewal.js';
import { SOURCE } from './source.js';

export interface EtcdSessionOptions {
  readonly client: Etcd3;
  readonly layout: KeyLayout;
  readonly member: Member;
  readonly leaseId: string;
  readonly ttlMs: number;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly grantSentAt: number;
  /** What the join transaction read: every key of the election, as of `revision`. */
  readonly initialKvs: readonly IKeyValue[];
  readonly revision: bigint;
  readonly reporter: MalformedReporter;
  readonly requestTimeoutMs: number;
  readonly leaveTimeoutMs: number;
  /** Keeps the backend's client open until `work`, a request of this session, settles. */
  readonly track: <T>(work: Promise<T>) => Promise<T>;
  /** Tells the backend the lease is gone (`true`) or left behind alive (`false`). */
  readonly onRetired: (leaseId: string, gone: boolean) => void;
}

/** One node's registration: its lease, its member key, the watch on the election, the lock. */
export class EtcdSession implements MembershipSession {
  readonly lock: EtcdLeaderLock;
  #keeper: Renewer | undefined;
  readonly #view: ElectionView;
  readonly #watcher: ElectionWatcher;
  readonly #lifecycle: SessionLifecycle;

  readonly #options: EtcdSessionOptions;

  constructor(options: EtcdSessionOptions) {
    this.#options = options;
    const { client, layout, clock, logger, requestTimeoutMs } = options;
    this.#lifecycle = new SessionLifecycle({
      logger,
      source: SOURCE,
      what: 'etcd session',
      // The wording of before the skeleton, for the lock and update() alike.
      message: (state) =>
        state === 'lost'
          ? 'This etcd session was lost; join again.'
          : `This etcd session is ${state}; join again to take the lock.`,
      stop: () => {
        this.#keeper?.stop();
        this.#watcher.stop();
      },
    });
    const reportError = (error: Error) => this.#lifecycle.reportError(error);
    this.#view = new ElectionView(layout, options.reporter, logger, reportError);
    this.#view.replace(options.initialKvs, options.revision);
    this.#watcher = new ElectionWatcher({
      client,
      layout,
      view: this.#view,
      clock,
      logger,
      requestTimeoutMs,
      onChange: () => this.#checkOwnRegistration(),
      onError: reportError,
    });
    this.lock = new EtcdLeaderLock({
      client,
      layout,
      memberId: options.member.id,
      leaseId: options.leaseId,
      watcher: this.#watcher,
      view: this.#view,
      requestTimeoutMs,
      assertUsable: () => this.#lifecycle.assertActive('taking the lock'),
    });
  }

  start(): void {
    const options = this.#options;
    this.#keeper = startRenewer({
      client: options.client,
      leaseId: options.leaseId,
      ttlMs: options.ttlMs,
      clock: options.clock,
      grantSentAt: options.grantSentAt,
      requestTimeoutMs: options.requestTimeoutMs,
      logger: options.logger,
      onLost: (cause) => this.#lose(cause, true),
      onError: (error) => this.#lifecycle.reportError(error),
    });

    this.#watcher.start(this.#options.revision);
  }

  deadline(): number {
    return this.#keeper?.deadline() ?? this.#options.grantSentAt + this.#options.ttlMs;
  }

  watchMembers(listener: (event: MembershipEvent) => void): Unsubscribe {
    return this.#watcher.watchMembers(listener);
  }

  onLost(listener: (cause: Error) => void): Unsubscribe {
    return this.#lifecycle.onLost(listener);
  }

  onError(listener: (error: Error) => void): Unsubscribe {
    return this.#lifecycle.onError(listener);
  }

  onRenewal(listener: (renewal: AcknowledgedRenewal) => void): Unsubscribe {
    return this.#keeper?.onRenewal(listener) ?? (() => {});
  }

  /**
   * Rewrites the member key in place (a new priority, say): one txn that puts the new record only
   * while the key is still bound to this session's lease, so a registration that is gone is never
   * re-created. Watchers see a put of the key.
   */
  async update(member: Member): Promise<void> {
    this.#lifecycle.assertActive('update()');
    const { client, layout, leaseId, requestTimeoutMs } = this.#options;
    const key = Buffer.from(layout.memberKey(member.id));
    let response: Awaited<ReturnType<typeof client.kv.txn>>;
    try {
      response = await client.kv.txn(
        {
          compare: [{ key, target: CompareTarget.Lease, result: CompareResult.Equal, lease: leaseId }],
          success: [{ request_put: { key, value: Buffer.from(encodeMember(member)), lease: leaseId } }],
        },
        within(requestTimeoutMs),
      );
    } catch (error) {
      throw toElectionError(error, 'rewrite the member key');
    }
    if (!response.succeeded)
      throw new SessionLostError(
        `the member key of "${member.id}" is no longer this session's; join again.`,
        {
          source: SOURCE,
        },
      );
  }

  /**
   * Revokes the lease. etcd then deletes every key bound to it in one revision: the member key
   * and, if this node holds it, the leader key, so the next node can take over at once. That is
   * the release, the deregistration and the revocation in a single round trip.
   */
  leave(): Promise<void> {
    return this.#lifecycle.leave(() => this.#revokeWithin(this.#options.leaveTimeoutMs));
  }

  close(): void {
    if (this.#lifecycle.end('closed') === 'active') this.#options.onRetired(this.#options.leaseId, false);
  }

  async #revokeWithin(timeoutMs: number): Promise<void> {
    // A lost session is left too: its lease may live on (its member key was taken from it).
    if (this.#lifecycle.end('left') === undefined) return;
    const { client, leaseId, logger } = this.#options;
    const revoking = this.#options.track(
      withTimeout(
        client.leaseClient.leaseRevoke({ ID: leaseId }, within(timeoutMs)),
        timeoutMs,
        'revoke the lease',
      ),
    );
    // Counted as abandoned until etcd confirms: a join racing this leave may then revoke it too.
    this.#options.onRetired(leaseId, false);
    try {
      await revoking;
      this.#options.onRetired(leaseId, true);
    } catch (error) {
      if (isLeaseGone(error)) {
        this.#options.onRetired(leaseId, true);
        return;
      }
      const failure = toElectionError(error, `revoke etcd lease ${leaseId} on leave`);
      logger.warn({ code: failure.code, leaseId }, `${failure.message}; it expires by its TTL`);
      logger.debug({ err: error, leaseId }, 'the failed revocation on leave');
    }
  }

  /** Our member key must exist and stay bound to our lease; otherwise we are not registered. */
  #checkOwnRegistration(): void {
    if (!this.#lifecycle.active) return;
    const lease = this.#view.leaseOf(this.#options.member.id);
    if (lease === this.#options.leaseId) return;
    const what = lease === undefined ? 'was deleted' : `is now bound to lease ${lease}`;
    this.#lose(
      new SessionLostError(`The member key of "${this.#options.member.id}" ${what}.`, { source: SOURCE }),
      false,
    );
    // The lease still lives and may hold the leader key: revoke it so the lock frees at once.
    this.#options
      .track(
        this.#options.client.leaseClient.leaseRevoke(
          { ID: this.#options.leaseId },
          within(this.#options.requestTimeoutMs),
        ),
      )
      .then(
        () => this.#options.onRetired(this.#options.leaseId, true),
        (error: unknown) => {
          this.#options.onRetired(this.#options.leaseId, isLeaseGone(error));
          this.#options.logger.debug({ err: error }, 'could not revoke the lease of a lost registration');
        },
      );
  }

  #lose(cause: Error, leaseGone: boolean): void {
    this.#lifecycle.lose(cause, () => {
      if (leaseGone) this.#options.onRetired(this.#options.leaseId, true);
      // Core reports the loss (a warning); the stack is for debugging only.
      this.#options.logger.debug({ err: cause }, 'etcd registration lost');
    });
  }
}
