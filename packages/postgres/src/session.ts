import {
  type AcknowledgedRenewal,
  acquireUnlessBlockerEnded,
  type Clock,
  type HolderListener,
  type LeaderLock,
  Listeners,
  type Logger,
  MalformedReporter,
  type Member,
  type MembershipEvent,
  type MembershipSession,
  type Renewer,
  SessionLifecycle,
  SessionLostError,
  sameHolder,
  sameMembers,
  startRenewals,
  type Unsubscribe,
} from '@election/core/adapter';
import { bounded, toElectionError } from './errors.js';
import { decodeMember, encodeMember } from './member-codec.js';
import { listen } from './notifications.js';
import type { ResolvedPostgresOptions } from './options.js';
import { ReadLoop } from './read-loop.js';
import { SOURCE } from './source.js';
import { channelOf } from './sql.js';
import type { ElectionState, Holder, Statements } from './statements.js';

export interface PostgresSessionOptions extends ResolvedPostgresOptions {
  readonly statements: Statements;
  readonly member: Member;
  readonly registration: string;
  readonly ttlMs: number;
  /** Send time of the statement that created the registration. */
  readonly startedAt: number;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Keeps the pool open until the returned function is called (a leave's statement). */
  readonly hold: () => () => void;
  /** This session walked away from its registration (close()): a rejoin may delete it at once. */
  readonly abandon: () => void;
}

type HolderAt = { readonly holder: Holder; readonly version: bigint };

/** One node's registration row: its renewals, the reads of the election, the leader row. */
export class PostgresSession implements MembershipSession {
  readonly lock: LeaderLock;
  readonly #options: PostgresSessionOptions;
  readonly #lifecycle: SessionLifecycle;
  readonly #renewer: Renewer;
  readonly #members: Listeners<readonly Member[]>;
  readonly #holders: Listeners<HolderAt>;
  readonly #malformed: MalformedReporter;
  /** The leader row as last seen, and the version it is as of. */
  #holder: HolderAt;
  readonly #reads: ReadLoop<ElectionState>;
  #unlisten: Unsubscribe = () => {};
  #ended: () => void = () => {};

  /** Reads the election once, so the first snapshot is there for the first listener. */
  static async start(options: PostgresSessionOptions): Promise<PostgresSession> {
    const first = await bounded(
      options.statements.read(),
      'read the election',
      options.requestTimeoutMs,
      options.clock,
    );
    return new PostgresSession(options, first);
  }

  private constructor(options: PostgresSessionOptions, first: ElectionState) {
    this.#options = options;
    const { clock, logger, statements, registration, ttlMs } = options;
    this.#holder = { holder: first.leader, version: first.version };
    this.#lifecycle = new SessionLifecycle({
      logger,
      source: SOURCE,
      what: 'postgres session',
      stop: () => {
        this.#renewer.stop();
        this.#reads.stop();
        this.#unlisten();
        this.#ended();
      },
    });
    this.#members = new Listeners(logger, 'watchMembers', { replay: sameMembers });
    this.#holders = new Listeners(logger, 'watchHolder', {
      replay: (a, b) => sameHolder(a.holder, b.holder) && a.version === b.version,
    });
    this.#malformed = new MalformedReporter(logger, (error) => this.#lifecycle.reportError(error));
    this.#publish(first);
    this.#renewer = startRenewals({
      ttlMs,
      clock,
      startedAt: options.startedAt,
      timeoutMs: options.requestTimeoutMs,
      logger,
      async renew() {
        if (await statements.renew(registration, ttlMs)) return { alive: true };
        const cause = new SessionLostError('The registration row expired or was deleted; join again.', {
          source: SOURCE,
        });
        return { alive: false, cause };
      },
      onLost: (cause) => this.#lifecycle.lose(cause),
      onError: (error, retryInMs) =>
        this.#lifecycle.reportError(toElectionError(error, 'renew the registration', retryInMs)),
    });
    this.#reads = new ReadLoop<ElectionState>(
      {
        clock,
        read: () => this.#statement(statements.read(), 'read the election'),
        publish: (state) => this.#publish(state),
        // After the poll interval, or just after the first live row expires if sooner.
        nextIn: ({ nextExpiryMs = Number.POSITIVE_INFINITY }) =>
          Math.max(5, Math.min(options.pollMs, nextExpiryMs + 5)),
        onError: (error, retryInMs) =>
          this.#lifecycle.reportError(toElectionError(error, 'read the election', retryInMs)),
      },
      first,
    );
    if (options.listen)
      this.#unlisten = listen(options.connection.config, channelOf(options.schema), options.election, () =>
        this.#reads.refresh(),
      );
    this.lock = {
      tryAcquire: () => this.#tryAcquire(),
      release: async (token) => {
        const version = await this.#statement(
          statements.release(registration, token),
          'release the leader row',
        );
        if (version !== null) this.#showHolder(null, version);
      },
      transfer: (token, to) => this.#transfer(token, to),
      watchHolder: (listener: HolderListener) =>
        this.#holders.add(({ holder, version }) =>
          listener(
            holder && { id: holder.id, token: holder.token, ...(holder.handed ? { handed: true } : {}) },
            version,
          ),
        ),
    };
  }

  /** The backend's lifecycle hears here when the session ends. */
  onEnded(ended: () => void): void {
    this.#ended = ended;
  }

  deadline(): number {
    return this.#renewer.deadline();
  }

  watchMembers(listener: (event: MembershipEvent) => void): Unsubscribe {
    return this.#members.add((members) => listener({ type: 'snapshot', members }));
  }

  onLost(listener: (cause: Error) => void): Unsubscribe {
    return this.#lifecycle.onLost(listener);
  }

  onError(listener: (error: Error) => void): Unsubscribe {
    return this.#lifecycle.onError(listener);
  }

  onRenewal(listener: (renewal: AcknowledgedRenewal) => void): Unsubscribe {
    return this.#renewer.onRenewal(listener);
  }

  async update(member: Member): Promise<void> {
    this.#lifecycle.assertActive('update()');
    const { statements, registration } = this.#options;
    if (
      !(await this.#statement(
        statements.update(registration, encodeMember(member)),
        'rewrite the member row',
      ))
    )
      throw new SessionLostError(`The row of "${member.id}" is gone; join again.`, { source: SOURCE });
    this.#reads.refresh();
  }

  leave(): Promise<void> {
    return this.#lifecycle.leave(async () => {
      const done = this.#options.hold(); // the pool stays open for the delete
      try {
        if (this.#lifecycle.end('left') === undefined) return;
        const { statements, registration, leaveTimeoutMs, clock } = this.#options;
        await bounded(
          statements.deregister(registration),
          'delete the registration row',
          leaveTimeoutMs,
          clock,
        );
      } catch (error) {
        this.#options.abandon();
        this.#options.logger.warn(
          { code: toElectionError(error, 'leave').code },
          'could not delete the registration row on leave; it expires by its TTL',
        );
      } finally {
        done();
      }
    });
  }

  close(): void {
    if (this.#lifecycle.end('closed') === 'active') this.#options.abandon();
  }

  #tryAcquire(): Promise<bigint | null> {
    this.#lifecycle.assertActive('taking the lock');
    const { statements, registration, member } = this.#options;
    // A null answer only while the reads show, or will show, the holding that blocked it.
    return acquireUnlessBlockerEnded(
      async () => {
        const answer = await this.#statement(statements.acquire(registration), 'take the leader row');
        if ('gone' in answer)
          throw new SessionLostError('The registration row expired; join again.', { source: SOURCE });
        if ('heldBy' in answer) {
          if (this.#holder.version < answer.heldBy) this.#reads.refresh();
          return { token: null, blocker: answer.heldBy };
        }
        // The token is the version of the write: the leader row is ours as of it. Shown now, so a
        // release before the next read is not the only thing the holder watch reports.
        if (this.#holder.holder?.token !== answer.token)
          this.#showHolder({ id: member.id, registration, token: answer.token }, answer.token);
        return answer;
      },
      (token) => this.#holder.version >= token && this.#holder.holder?.token !== token,
    );
  }

  async #transfer(token: bigint, to: string): Promise<bigint | null> {
    this.#lifecycle.assertActive('handing over the lock');
    const { statements, registration } = this.#options;
    const handed = await this.#statement(
      statements.transfer(registration, token, to),
      'hand over the leader row',
    );
    if (handed !== null) this.#reads.refresh();
    return handed;
  }

  #statement<T>(work: Promise<T>, action: string): Promise<T> {
    return bounded(work, action, this.#options.requestTimeoutMs, this.#options.clock);
  }

  #publish(state: ElectionState): void {
    const members: Member[] = [];
    const bad: string[] = [];
    for (const row of state.rows) {
      const id = (row as { id?: unknown } | null)?.id;
      const key = `${this.#options.schema}.election_members/${typeof id === 'string' ? id : '?'}`;
      const member = decodeMember(key, row);
      if (member instanceof Error) {
        bad.push(key);
        this.#malformed.report(member);
      } else members.push(member);
    }
    this.#malformed.retain(bad);
    this.#members.emit(members);
    this.#showHolder(state.leader, state.version);
  }

  /** A holder as of `version`; never one older than what was shown (a read that raced our write). */
  #showHolder(holder: Holder, version: bigint): void {
    if (version < this.#holder.version) return;
    this.#holder = { holder, version };
    this.#holders.emit(this.#holder);
  }
}
