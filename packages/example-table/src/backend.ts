import {
  type BackendCapabilities,
  BackendLifecycle,
  DuplicateMemberError,
  type JoinRequest,
  joinRounds,
  type MembershipBackend,
  type MembershipSession,
  sleep,
} from '@election/core/adapter';
import { resolveOptions, TABLE_CAPABILITIES, type TableMembershipOptions } from './options.js';
import { TableSession } from './session.js';
import { SOURCE } from './source.js';
import { statement } from './statement.js';

/** A membership backend on a table of rows: `createElector({ backend: createTableMembership({ client }) })`. */
export function createTableMembership(options: TableMembershipOptions): TableBackend {
  return new TableBackend(options);
}

export class TableBackend implements MembershipBackend {
  readonly name = 'table';
  readonly capabilities: BackendCapabilities = TABLE_CAPABILITIES;
  readonly #options;
  readonly #lifecycle = new BackendLifecycle({
    source: SOURCE,
    what: 'table membership backend',
    closedMessage: 'join() on a closed table membership; create a new one with createTableMembership().',
  });
  /** Registrations this backend walked away from (close()): a rejoin may delete them at once. */
  readonly #abandoned = new Set<number>();

  constructor(options: TableMembershipOptions) {
    this.#options = resolveOptions(options);
  }

  async join(request: JoinRequest): Promise<MembershipSession> {
    this.#lifecycle.assertOpen();
    const { member, ttlMs, clock, signal } = request;
    const { client, requestTimeoutMs } = this.#options;
    const run = <T>(work: Promise<T>, action: string) => statement(work, action, requestTimeoutMs, clock);
    let startedAt = clock.now();
    const registration = await joinRounds<number, number>({
      signal,
      takeover: request.takeover,
      async register() {
        startedAt = clock.now(); // the registration's first "renewal" is sent now
        const answer = await run(client.register(member, ttlMs), 'insert the member row');
        return 'registration' in answer ? { registered: answer.registration } : { holder: answer.heldBy };
      },
      abandoned: (holder) => this.#abandoned.has(holder),
      revoke: (holder) => run(client.deregister(holder), 'delete the previous row of this id'),
      async waitOut(holder) {
        // This id's previous process crashed: its row expires unless someone renews it.
        request.logger.info(
          { memberId: member.id },
          'waiting for the previous registration of this id to expire',
        );
        const renewals = () => run(client.renewals(holder), 'read the previous row of this id');
        const first = await renewals();
        for (let now = first; now !== undefined; now = await renewals()) {
          if (now !== first) throw duplicate(member.id);
          await sleep(clock, Math.min(500, ttlMs / 4), signal);
        }
      },
    });
    try {
      signal.throwIfAborted(); // given up meanwhile: the caller never hears of this registration
      const session = await TableSession.start({
        ...this.#options,
        member,
        registration,
        ttlMs,
        startedAt,
        clock,
        logger: request.logger,
        abandon: () => this.#abandoned.add(registration),
      });
      if (this.#lifecycle.closed) session.close(); // closed during the join: walk away at once
      this.#lifecycle.assertOpen();
      session.onEnded(this.#lifecycle.adopt(session));
      return session;
    } catch (error) {
      run(client.deregister(registration), 'delete the row of a join given up').catch(() => undefined);
      throw error;
    }
  }

  async close(): Promise<void> {
    this.#lifecycle.close();
  }
}

function duplicate(id: string): DuplicateMemberError {
  return new DuplicateMemberError(
    id,
    `Member id "${id}" is registered by another live node (its row was renewed while this node waited). Give this node another id.`,
    { source: SOURCE },
  );
}
