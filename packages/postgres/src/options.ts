import { type BackendCapabilities, hasControlCharacter, optionChecks } from '@election/core/adapter';
import pg from 'pg';
import { SOURCE } from './source.js';

export interface PostgresMembershipOptions {
  /** `postgres://user:password@host:5432/database`. The adapter opens (and closes) its own pool. */
  readonly connectionString?: string;
  /** Your pool: the adapter runs its statements on it and never ends it. */
  readonly pool?: pg.Pool;
  /** Options for a pool the adapter opens (and closes) itself. */
  readonly poolConfig?: pg.PoolConfig;
  /** The schema of the adapter's tables and functions (quoted as given). Default `election`. */
  readonly schema?: string;
  /** The election's name: several elections share one schema. Default `default`. */
  readonly election?: string;
  /** Create the schema on first use (needs CREATE on the database). false: run the migration (README). Default true. */
  readonly createSchema?: boolean;
  /** LISTEN for changes on one connection per process. false behind pgbouncer in transaction mode. Default true. */
  readonly listen?: boolean;
  /** Longest time between two reads of the election, ms. Default 2000 with `listen`, else 500. */
  readonly pollMs?: number;
  /** Upper bound on each statement (client side, and the server's statement_timeout of an own pool), ms. Default 2000. */
  readonly requestTimeoutMs?: number;
  /** Upper bound on `leave()`, ms; past it the registration is left to expire. Default 1000. */
  readonly leaveTimeoutMs?: number;
}

/** Where the connections go: the pool to use and the settings of the listening connection. */
export interface Connection {
  /** The user's pool, or undefined when the adapter opens its own from `config`. */
  readonly pool: pg.Pool | undefined;
  /** The settings of an own pool, and of the one listening connection. */
  readonly config: pg.PoolConfig;
}

export interface ResolvedPostgresOptions {
  readonly connection: Connection;
  readonly schema: string;
  readonly election: string;
  readonly createSchema: boolean;
  readonly listen: boolean;
  readonly pollMs: number;
  readonly requestTimeoutMs: number;
  readonly leaveTimeoutMs: number;
}

export const POSTGRES_CAPABILITIES: BackendCapabilities = {
  lock: true,
  minTtlMs: 1000,
  maxTtlMs: 3_600_000,
  wholeSecondTtl: false,
  defaultTtlMs: 10_000,
};

const check = optionChecks(SOURCE);
/** Idle time before TCP keepalive probes start (the OS default is two hours). */
const KEEPALIVE_IDLE_MS = 10_000;
/**
 * An unquoted-style identifier: what needs no escaping inside double quotes or a regclass literal.
 * At most 54 characters: the NOTIFY channel `<schema>_election` must stay within PostgreSQL's 63.
 */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,53}$/;

/** Checks the options once, with messages that say what to change (ConfigurationError). */
export function resolveOptions(options: PostgresMembershipOptions): ResolvedPostgresOptions {
  if (typeof options !== 'object' || options === null)
    check.fail('createPostgresMembership() needs an options object: { connectionString } or { pool }.');
  const requestTimeoutMs = check.positiveMs('requestTimeoutMs', options.requestTimeoutMs, 2000);
  const listen = flag('listen', options.listen, true);
  return {
    connection: connectionOf(options, requestTimeoutMs),
    schema: schemaOf(options.schema),
    election: electionOf(options.election),
    createSchema: flag('createSchema', options.createSchema, true),
    listen,
    pollMs: check.positiveMs('pollMs', options.pollMs, listen ? 2000 : 500),
    requestTimeoutMs,
    leaveTimeoutMs: check.positiveMs('leaveTimeoutMs', options.leaveTimeoutMs, 1000),
  };
}

function connectionOf(options: PostgresMembershipOptions, timeoutMs: number): Connection {
  const { connectionString, pool, poolConfig } = options;
  const given = [connectionString, pool, poolConfig].filter((value) => value !== undefined).length;
  if (given !== 1)
    check.fail(
      'Pass exactly one of connectionString (a postgres:// URL), pool (your pg.Pool) or poolConfig.',
    );
  // A hung connection must not hold a renewal past the deadline: TCP keepalive finds a dead peer,
  // and the server ends a statement that runs too long (the client gives up on it earlier).
  const keepAlive = { keepAlive: true, keepAliveInitialDelayMillis: KEEPALIVE_IDLE_MS };
  const bounded = { ...keepAlive, statement_timeout: timeoutMs, connectionTimeoutMillis: timeoutMs };
  if (pool !== undefined) {
    if (!(pool instanceof pg.Pool) && typeof (pool as { query?: unknown }).query !== 'function')
      check.fail('pool must be a pg.Pool (new pg.Pool({ connectionString })).');
    return { pool, config: { ...(pool as { options?: pg.PoolConfig }).options, ...keepAlive } };
  }
  if (poolConfig !== undefined) {
    if (typeof poolConfig !== 'object' || poolConfig === null)
      check.fail('poolConfig must be a pg.PoolConfig object.');
    return { pool: undefined, config: { ...bounded, ...poolConfig } };
  }
  if (typeof connectionString !== 'string' || !/^postgres(ql)?:\/\/[^/]/.test(connectionString))
    check.fail(
      'connectionString must be a URL like postgres://user:password@host:5432/database (it does not start with postgres:// or postgresql://).',
    );
  try {
    new URL(connectionString as string);
  } catch {
    check.fail(
      'connectionString is not a valid URL: write it as postgres://user:password@host:5432/database (percent-encode special characters of the password).',
    );
  }
  return { pool: undefined, config: { ...bounded, connectionString } };
}

function schemaOf(schema: unknown): string {
  if (schema === undefined) return 'election';
  if (typeof schema !== 'string' || !IDENTIFIER.test(schema))
    check.fail(
      `schema must be a plain PostgreSQL identifier (letters, digits and _, not starting with a digit, at most 54 characters), got ${JSON.stringify(schema)}. Choose a name without quotes, spaces or other punctuation.`,
    );
  return schema as string;
}

function electionOf(election: unknown): string {
  if (election === undefined) return 'default';
  if (
    typeof election !== 'string' ||
    election.length === 0 ||
    election.length > 200 ||
    hasControlCharacter(election)
  )
    check.fail(
      `election must be a name of 1 to 200 characters without control characters, got ${JSON.stringify(election)}.`,
    );
  return election as string;
}

function flag(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') check.fail(`${name} must be true or false, got ${JSON.stringify(value)}.`);
  return value as boolean;
}

/** Where the database is, for logs: `postgres://host:port/database`, never a user or password. */
export function endpointOf(connection: Connection): string {
  const { host, port, database } = new pg.Client(connection.config) as unknown as {
    host: string;
    port: number;
    database: string;
  };
  return `postgres://${host}:${port}/${database}`;
}
