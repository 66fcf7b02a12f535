import {
  type BackendCapabilities,
  BackendLifecycle,
  ConfigurationError,
  type JoinRequest,
  type MembershipBackend,
  type MembershipSession,
} from '@election/core/adapter';
import pg from 'pg';
import { bounded, toElectionError } from './errors.js';
import { joinRows } from './join.js';
import {
  endpointOf,
  POSTGRES_CAPABILITIES,
  type PostgresMembershipOptions,
  type ResolvedPostgresOptions,
  resolveOptions,
} from './options.js';
import { PostgresSession } from './session.js';
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
  /** Registrations this backend walked away from (close()): a rejoin may delete them at once. */
  readonly #abandoned = new Set<string>();
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
      client: {
        open: () => {
          if (connection.pool !== undefined) return connection.pool;
          const pool = new pg.Pool(connection.config);
          pool.on('error', () => {}); // an idle connection dropped: the next statement opens another
          return pool;
        },
        release: (pool) => {
          if (pool !== undefined && pool !== connection.pool) void pool.end().catch(() => {});
        },
      },
    });
  }

  retain(): () => void {
    return this.#lifecycle.retain();
  }

  async join(request: JoinRequest): Promise<MembershipSession> {
    this.#lifecycle.assertOpen();
    return this.#lifecycle.using(async (pool) => this.#join(request, await this.#statements(pool, request)));
  }

  async #join(request: JoinRequest, statements: Statements): Promise<MembershipSession> {
    const { member, ttlMs, clock, signal } = request;
    const run = <T>(work: Promise<T>, action: string) =>
      bounded(work, action, this.#options.requestTimeoutMs, clock);
    const abandoned = (registration: string) => this.#abandoned.has(registration);
    const { registration, startedAt } = await joinRows(request, statements, run, abandoned);
    try {
      signal.throwIfAborted(); // given up meanwhile: the caller never hears of this registration
      const session = await PostgresSession.start({
        ...this.#options,
        statements,
        member,
        registration,
        ttlMs,
        startedAt,
        clock,
        logger: request.logger,
        hold: () => this.#lifecycle.hold(),
        abandon: () => this.#abandoned.add(registration),
      });
      if (this.#lifecycle.closed) session.close(); // closed during the join: walk away at once
      this.#lifecycle.assertOpen();
      session.onEnded(this.#lifecycle.adopt(session));
      return session;
    } catch (error) {
      const forget = run(statements.deregister(registration), 'delete the row of a join given up');
      void this.#lifecycle.during(forget).catch(() => undefined);
      throw error;
    }
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
      if (found === SCHEMA_VERSION) return statements;
      if (!createSchema)
        throw new ConfigurationError(
          `The schema "${schema}" holds the election functions of version ${found}, this adapter needs ${SCHEMA_VERSION}: run the migration of the README, or set createSchema: true.`,
          { source: SOURCE },
        );
      // One creator at a time (concurrent CREATE IF NOT EXISTS can collide): a transaction lock.
      const text = `begin; select pg_advisory_xact_lock(hashtext('election schema ${schema}'));\n${migrationSql(schema)}\ncommit;`;
      await bounded(
        pool.query({ text, query_timeout: requestTimeoutMs } as pg.QueryConfig),
        `create the schema "${schema}"`,
        requestTimeoutMs,
        clock,
      );
      return statements;
    })();
    this.#ready = { pool, statements: ready };
    ready.catch(() => {
      if (this.#ready?.statements === ready) this.#ready = undefined;
    });
    return ready;
  }

  async close(): Promise<void> {
    this.#lifecycle.close();
  }
}
