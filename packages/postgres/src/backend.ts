import {
  type BackendCapabilities,
  BackendLifecycle,
  ConfigurationError,
  clientLifecycle,
  duplicateMember,
  type JoinRequest,
  joinRounds,
  type MembershipBackend,
  type MembershipSession,
  OwnRegistrations,
  waitOutHolder,
} from '@election/core/adapter';
import pg from 'pg';
import { boundedBy, toElectionError } from './errors.js';
import {
  endpointOf,
  POSTGRES_CAPABILITIES,
  type PostgresMembershipOptions,
  type ResolvedPostgresOptions,
  resolveOptions,
} from './options.js';
import { encodeMember, openPostgresSession } from './session.js';
import { SOURCE } from './source.js';
import { migrationSql, SCHEMA_VERSION } from './sql.js';
import { Statements } from './statements.js';

/** `createElector({ membership: createPostgresMembership({ connectionString }) })`. */
export function createPostgresMembership(options: PostgresMembershipOptions): PostgresMembershipBackend {
  return new PostgresMembershipBackend(options);
}

/** SQLSTATEs of a schema without the adapter's objects. */
const MISSING = new Set(['3F000', '42883', '42P01']);

export class PostgresMembershipBackend implements MembershipBackend {
  readonly name = 'postgres';
  readonly capabilities: BackendCapabilities = POSTGRES_CAPABILITIES;
  readonly endpoint: string;
  readonly #options: ResolvedPostgresOptions;
  readonly #lifecycle: BackendLifecycle<pg.Pool>;
  /** The registrations this backend made and has not seen end: a rejoin may delete an abandoned one. */
  readonly #own = new OwnRegistrations({ limit: 1000 });
  /** The statements on the open pool, once its schema was found (or made) ready. */
  #ready: { readonly pool: pg.Pool; readonly statements: Promise<Statements> } | undefined;

  constructor(options: PostgresMembershipOptions) {
    this.#options = resolveOptions(options);
    const { connection } = this.#options;
    this.endpoint = endpointOf(connection);
    this.#lifecycle = new BackendLifecycle<pg.Pool>({
      source: SOURCE,
      what: 'postgres membership backend',
      closedMessage:
        'join() on a closed postgres membership; create a new one with createPostgresMembership().',
      client: clientLifecycle<pg.Pool>(
        connection.pool !== undefined
          ? { given: connection.pool }
          : {
              create: () => {
                const pool = new pg.Pool(connection.config);
                pool.on('error', () => {}); // an idle connection dropped: the next statement opens another
                return pool;
              },
              close: (pool) => void pool.end().catch(() => {}),
            },
      ),
    });
  }

  retain(): () => void {
    return this.#lifecycle.retain();
  }

  async join(request: JoinRequest): Promise<MembershipSession> {
    const { requestTimeoutMs } = this.#options;
    const run = boundedBy(requestTimeoutMs, request.clock);
    const forget = (statements: Statements, registration: string) =>
      run(statements.deregister(registration), 'delete the row of a join given up');
    return this.#lifecycle.join({
      signal: request.signal,
      // `signal` aborts on the request's signal or on close(): the join stops at once on either.
      register: async (pool, signal) => {
        const statements = await this.#statements(pool, request);
        const joined = await this.#register({ ...request, signal }, statements, run);
        try {
          signal.throwIfAborted(); // given up meanwhile: the caller never hears of this registration
          return { ...joined, statements, first: await run(statements.read(), 'read the election') };
        } catch (error) {
          void this.#lifecycle.during(forget(statements, joined.registration)).catch(() => undefined);
          throw error;
        }
      },
      // close() came during the join: the row is deleted now (else it expires, never renewed).
      discard: ({ registration, statements }) => forget(statements, registration),
      // The session's set-up ends here, so a close() after it is met as one overtaking the join.
      open: (joined, _pool, ended) => {
        const session = openPostgresSession({
          ...joined,
          options: this.#options,
          request,
          own: this.#own,
          hold: () => this.#lifecycle.hold(),
          ended,
        });
        session.start();
        return session;
      },
    });
  }

  /**
   * The join's rounds on the member rows: insert the row; a row of this id left by this backend
   * (close(), a failed leave) or, under `takeover`, any such row is deleted at once; any other is
   * waited out (it expires unless someone renews it), and one seen renewed meanwhile is a live
   * duplicate. Resolves with the registration and the send time of the insert that created it.
   */
  async #register(
    request: JoinRequest,
    statements: Statements,
    run: <T>(work: Promise<T>, action: string) => Promise<T>,
  ): Promise<{ readonly registration: string; readonly startedAt: number }> {
    const { member, ttlMs, clock, signal, logger } = request;
    const record = encodeMember(member);
    let startedAt = clock.now();
    const registration = await joinRounds<string, string>({
      signal,
      takeover: request.takeover,
      async register() {
        startedAt = clock.now();
        const answer = await run(statements.register(member.id, record, ttlMs), 'insert the member row');
        return 'registration' in answer ? { registered: answer.registration } : { holder: answer.heldBy };
      },
      abandoned: (holder) => this.#own.isAbandoned(holder),
      revoke: (holder) => run(statements.deregister(holder), 'delete the previous row of this id'),
      waitOut: (holder) =>
        waitOutHolder({
          clock,
          signal,
          logger,
          id: member.id,
          fields: { memberId: member.id },
          read: () => run(statements.renewals(holder), 'read the previous row of this id'),
          pollMs: () => Math.min(500, ttlMs / 4),
          judge: (renewals, first) => (renewals !== first ? 'renewed' : 'waiting'),
          duplicate: () =>
            duplicateMember({
              source: SOURCE,
              id: member.id,
              where: `election "${this.#options.election}"`,
              evidence: 'its row was renewed while this node waited',
            }),
        }),
    });
    this.#own.granted(registration);
    return { registration, startedAt };
  }

  /** The statements on `pool`, its schema checked (and created or upgraded when allowed) once. */
  #statements(pool: pg.Pool, { clock }: JoinRequest): Promise<Statements> {
    if (this.#ready?.pool === pool) return this.#ready.statements;
    const { schema, election, requestTimeoutMs, createSchema } = this.#options;
    const statements = new Statements(pool, schema, election, requestTimeoutMs);
    const ready = (async () => {
      const found = await statements.schemaVersion().catch((error: { code?: string }) => {
        if (createSchema && MISSING.has(error?.code ?? '')) return 0;
        throw toElectionError(error, `connect and check the schema "${schema}"`);
      });
      // A newer migration only adds overloads (it drops none): this version's functions are there,
      // and the schema is used as is, never migrated down.
      if (found >= SCHEMA_VERSION) return statements;
      if (!createSchema)
        throw new ConfigurationError(
          `The schema "${schema}" holds the election functions of version ${found}, this adapter needs ${SCHEMA_VERSION} or newer: run the migration of the README, or set createSchema: true.`,
          { source: SOURCE },
        );
      // One creator at a time (concurrent CREATE IF NOT EXISTS can collide): a transaction lock.
      const text = `begin; select pg_advisory_xact_lock(hashtext('election schema ${schema}'));\n${migrationSql(schema)}\ncommit;`;
      await boundedBy(requestTimeoutMs, clock)(
        pool.query({ text, query_timeout: requestTimeoutMs } as pg.QueryConfig),
        `create the schema "${schema}"`,
      );
      return statements;
    })();
    this.#ready = { pool, statements: ready };
    ready.catch(() => {
      if (this.#ready?.statements === ready) this.#ready = undefined;
    });
    return ready;
  }

  close(): Promise<void> {
    return this.#lifecycle.close();
  }
}
