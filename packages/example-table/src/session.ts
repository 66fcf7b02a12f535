import {
  type AcknowledgedRenewal,
  acquireUnlessBlockerEnded,
  type Clock,
  createBackoff,
  type HolderListener,
  type LeaderLock,
  Listeners,
  type Logger,
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
import type { ResolvedTableOptions } from './options.js';
import { SOURCE } from './source.js';
import { statement, toElectionError } from './statement.js';
import type { TableState } from './table-client.js';

export interface TableSessionOptions extends ResolvedTableOptions {
  readonly member: Member;
  readonly registration: number;
  readonly ttlMs: number;
  /** Send time of the statement that created the registration. */
  readonly startedAt: number;
  readonly clock: Clock;
  readonly logger: Logger;
  /** This session walked away from its registration (close()): a rejoin may delete it at once. */
  readonly abandon: () => void;
}

type HolderAt = { readonly holder: NonNullable<TableState['leader']> | null; readonly version: bigint };

/** One node's registration: its row, the renewals, the poll of the table, the leader lock. */
export class TableSession implements MembershipSession {
  readonly lock: LeaderLock;
  readonly #options: TableSessionOptions;
  readonly #lifecycle: SessionLifecycle;
  readonly #renewer: Renewer;
  readonly #members: Listeners<readonly Member[]>;
  readonly #holders: Listeners<HolderAt>;
  readonly #backoff = createBackoff({ initialMs: 100, maxMs: 2000 });
  /** The leader row as last seen, and the table version it is as of. */
  #holder: HolderAt;
  #cancelPoll = () => {};
  #ended: () => void = () => {};

  /** Reads the table once, so the first snapshot is there for the first listener. */
  static async start(options: TableSessionOptions): Promise<TableSession> {
    const { client, requestTimeoutMs, clock } = options;
    return new TableSession(
      options,
      await statement(client.read(), 'read the table', requestTimeoutMs, clock),
    );
  }

  private constructor(options: TableSessionOptions, first: TableState) {
    this.#options = options;
    const { clock, logger, client, registration, ttlMs } = options;
    this.#holder = { holder: first.leader, version: first.version };
    this.#lifecycle = new SessionLifecycle({
      logger,
      source: SOURCE,
      what: 'table session',
      stop: () => {
        this.#renewer.stop();
        this.#cancelPoll();
        this.#ended();
      },
    });
    this.#members = new Listeners(logger, 'watchMembers', { replay: sameMembers });
    this.#holders = new Listeners(logger, 'watchHolder', {
      replay: (a, b) => sameHolder(a.holder, b.holder) && a.version === b.version,
    });
    this.#publish(first);
    this.#renewer = startRenewals({
      ttlMs,
      clock,
      startedAt: options.startedAt,
      timeoutMs: options.requestTimeoutMs,
      logger,
      async renew() {
        if (await client.renew(registration, ttlMs)) return { alive: true };
        return {
          alive: false,
          cause: new SessionLostError('The registration row expired; join again.', { source: SOURCE }),
        };
      },
      onLost: (cause) => this.#lifecycle.lose(cause),
      onError: (error, retryInMs) =>
        this.#lifecycle.reportError(toElectionError(error, 'renew the registration', retryInMs)),
    });
    this.#schedulePoll(options.pollMs);
    this.lock = {
      tryAcquire: () => this.#tryAcquire(),
      release: (token) => this.#statement(client.release(registration, token), 'release the leader row'),
      watchHolder: (listener: HolderListener) =>
        this.#holders.add(({ holder, version }) =>
          listener(holder && { id: holder.id, token: holder.token }, version),
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
    const { client, registration } = this.#options;
    if (!(await this.#statement(client.update(registration, member), 'rewrite the member row')))
      throw new SessionLostError(`The row of "${member.id}" is gone; join again.`, { source: SOURCE });
  }

  leave(): Promise<void> {
    return this.#lifecycle.leave(async () => {
      if (this.#lifecycle.end('left') === undefined) return;
      const { client, registration, leaveTimeoutMs, logger } = this.#options;
      try {
        await statement(
          client.deregister(registration),
          'delete the row',
          leaveTimeoutMs,
          this.#options.clock,
        );
      } catch (error) {
        this.#options.abandon();
        logger.warn(
          { code: toElectionError(error, 'leave').code },
          'could not delete the row on leave; it expires by its TTL',
        );
      }
    });
  }

  close(): void {
    if (this.#lifecycle.end('closed') === 'active') this.#options.abandon();
  }

  #tryAcquire(): Promise<bigint | null> {
    this.#lifecycle.assertActive('taking the lock');
    const { client, registration } = this.#options;
    // A null answer only while the poll shows, or will show, the holding that blocked it.
    return acquireUnlessBlockerEnded(
      async () => {
        const answer = await this.#statement(client.acquire(registration), 'take the leader row');
        if ('heldBy' in answer) return { token: null, blocker: answer.heldBy };
        // The token is the table's version after the write: the leader row is ours as of it. Shown
        // now, so a release before the next poll is not the only thing the holder watch reports.
        this.#showHolder({ id: this.#options.member.id, registration, token: answer.token }, answer.token);
        return answer;
      },
      (token) => this.#holder.version >= token && this.#holder.holder?.token !== token,
    );
  }

  #statement<T>(work: Promise<T>, action: string): Promise<T> {
    return statement(work, action, this.#options.requestTimeoutMs, this.#options.clock);
  }

  #schedulePoll(delay: number): void {
    this.#cancelPoll = this.#options.clock.setTimer(() => void this.#poll(), delay);
  }

  async #poll(): Promise<void> {
    let delay = this.#options.pollMs;
    try {
      const state = await this.#statement(this.#options.client.read(), 'read the table');
      if (!this.#lifecycle.active) return;
      this.#backoff.reset();
      this.#publish(state);
    } catch (error) {
      if (!this.#lifecycle.active) return;
      delay = this.#backoff.next();
      this.#lifecycle.reportError(toElectionError(error, 'read the table', delay));
    }
    this.#schedulePoll(delay);
  }

  #publish(state: TableState): void {
    this.#members.emit(state.members);
    this.#showHolder(state.leader, state.version);
  }

  /** A holder as of `version`; never one older than what was shown (a read that raced our write). */
  #showHolder(holder: HolderAt['holder'], version: bigint): void {
    if (version < this.#holder.version) return;
    this.#holder = { holder, version };
    this.#holders.emit(this.#holder);
  }
}
