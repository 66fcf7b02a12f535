import {
  type BackendCapabilities,
  BackendLifecycle,
  duplicateMember,
  type JoinRequest,
  joinRounds,
  LifecycleBackend,
  type MembershipBackend,
  type MembershipSession,
  OwnRegistrations,
  waitOutHolder,
} from '@election/core/adapter';
import { resolveOptions, TABLE_CAPABILITIES, type TableMembershipOptions } from './options.js';
import { openTableSession } from './session.js';
import { SOURCE } from './source.js';
import { statement } from './statement.js';

/** A membership backend on a table of rows: `createElector({ backend: createTableMembership({ client }) })`. */
export function createTableMembership(options: TableMembershipOptions): TableBackend {
  return new TableBackend(options);
}

export class TableBackend extends LifecycleBackend implements MembershipBackend {
  readonly name = 'table';
  readonly capabilities: BackendCapabilities = TABLE_CAPABILITIES;
  readonly #options;
  protected readonly lifecycle = new BackendLifecycle({
    source: SOURCE,
    what: 'table membership backend',
    closedMessage: 'join() on a closed table membership; create a new one with createTableMembership().',
  });
  /** Registrations this backend walked away from: a rejoin deletes them at once. */
  readonly #abandoned = new OwnRegistrations({ limit: 64, abandonUnknown: true });

  constructor(options: TableMembershipOptions) {
    super();
    this.#options = resolveOptions(options);
  }

  async join(request: JoinRequest): Promise<MembershipSession> {
    const { member, ttlMs, clock, logger } = request;
    const { client, requestTimeoutMs } = this.#options;
    const run = <T>(work: Promise<T>, action: string) => statement(work, action, requestTimeoutMs, clock);
    return this.lifecycle.join({
      signal: request.signal,
      // `signal` aborts on the request's signal or on close().
      register: async (_client, signal) => {
        let startedAt = clock.now();
        const registration = await joinRounds<number, number>({
          signal,
          takeover: request.takeover,
          async register() {
            startedAt = clock.now(); // the registration's first "renewal" is sent now
            const answer = await run(client.register(member, ttlMs), 'insert the member row');
            return 'registration' in answer ? { registered: answer.registration } : { holder: answer.heldBy };
          },
          abandoned: (holder) => this.#abandoned.isAbandoned(String(holder)),
          revoke: (holder) => run(client.deregister(holder), 'delete the previous row of this id'),
          // This id's previous process crashed: its row expires unless someone renews it.
          waitOut: (holder) =>
            waitOutHolder({
              clock,
              signal,
              logger,
              id: member.id,
              read: () => run(client.renewals(holder), 'read the previous row of this id'),
              pollMs: () => Math.min(500, ttlMs / 4),
              judge: (renewals, base) => (renewals === base ? 'waiting' : 'renewed'),
              duplicate: () =>
                duplicateMember({
                  source: SOURCE,
                  id: member.id,
                  evidence: 'its row was renewed while this node waited',
                }),
            }),
        });
        if (signal.aborted) {
          // Given up meanwhile: the caller never hears of this registration, so it goes now.
          run(client.deregister(registration), 'delete the row of a join given up').catch(() => undefined);
          signal.throwIfAborted();
        }
        return { registration, startedAt };
      },
      discard: ({ registration }) =>
        run(client.deregister(registration), 'delete the row of a join given up'),
      // The session's set-up ends here, so a close() after it is met as one overtaking the join.
      open: ({ registration, startedAt }, _client, ended) => {
        const session = openTableSession({
          ...this.#options,
          member,
          registration,
          ttlMs,
          startedAt,
          clock,
          logger,
          ended,
          abandon: () => this.#abandoned.abandoned(String(registration)),
          gone: () => this.#abandoned.gone(String(registration)),
        });
        session.start();
        return session;
      },
    });
  }
}
