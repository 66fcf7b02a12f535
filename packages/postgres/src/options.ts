import {
  type BackendCapabilities,
  ConfigurationError,
  custom,
  defineOptions,
  hasControlCharacter,
  optional,
  optionRule,
  positiveMs,
} from '@election/core/adapter';
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
  /**
   * Check that notifications still arrive: the listener NOTIFYs a channel of its own every 5 s and
   * says once when they do not (pgbouncer in transaction mode, a listening backend that stopped).
   * Off by default: with it on, graceful handover measured 3–4 ms slower (README). Default false.
   */
  readonly listenProbe?: boolean;
  /** Longest time between two reads of the election, ms. Default 2000 with `listen`, else 500. */
  readonly pollMs?: number;
  /** Upper bound on each statement, on the client (pg's query_timeout), ms. Default 2000. */
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
  readonly listenProbe: boolean;
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

/** Idle time before TCP keepalive probes start (the OS default is two hours). */
const KEEPALIVE_IDLE_MS = 10_000;
/**
 * An unquoted-style identifier: what needs no escaping inside double quotes or a regclass literal.
 * At most 54 characters: the NOTIFY channel `<schema>_election` must stay within PostgreSQL's 63.
 */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,53}$/;

/** What is wrong with `value` as a postgres:// URL (never showing it: it may hold a password), or undefined. */
function urlProblem(name: string, value: unknown): string | undefined {
  if (typeof value !== 'string' || !/^postgres(ql)?:\/\/[^/]/.test(value))
    return `${name} must be a URL like postgres://user:password@host:5432/database (it does not start with postgres:// or postgresql://).`;
  if (!URL.canParse(value))
    return `${name} is not a valid URL: write it as postgres://user:password@host:5432/database (percent-encode special characters of the password).`;
  return undefined;
}

/**
 * true or false, `fallback` when not given. Not core's `flag()`: postgres's messages say what was
 * given (`listen must be true or false, got "no".`), as they did before core's `flag()` existed.
 */
const bool = (fallback: boolean) =>
  optionRule((name, value, { fail }) => {
    if (value !== undefined && typeof value !== 'boolean')
      fail(`${name} must be true or false, got ${JSON.stringify(value)}.`);
    return (value as boolean | undefined) ?? fallback;
  });

/** The option schema, in the order the checks run; the connection is made of the first three. */
const postgresOptions = defineOptions(SOURCE, {
  notAnObject: 'createPostgresMembership() needs an options object: { connectionString } or { pool }.',
  fields: {
    requestTimeoutMs: positiveMs(2000),
    listen: bool(true),
    listenProbe: bool(false),
    connectionString: optionRule((_, value, { fail, options }) => {
      const given = [value, options.pool, options.poolConfig].filter((v) => v !== undefined).length;
      if (given !== 1)
        fail('Pass exactly one of connectionString (a postgres:// URL), pool (your pg.Pool) or poolConfig.');
      if (value === undefined) return undefined;
      const problem = urlProblem('connectionString', value);
      if (problem !== undefined) fail(problem);
      return value as string;
    }),
    pool: custom<pg.Pool | undefined>((pool) =>
      pool === undefined ||
      pool instanceof pg.Pool ||
      typeof (pool as { query?: unknown }).query === 'function'
        ? undefined
        : 'pool must be a pg.Pool (new pg.Pool({ connectionString })).',
    ),
    poolConfig: custom<pg.PoolConfig | undefined>((config) => {
      if (config === undefined) return undefined;
      if (typeof config !== 'object' || config === null) return 'poolConfig must be a pg.PoolConfig object.';
      const url = (config as pg.PoolConfig).connectionString;
      return url === undefined ? undefined : urlProblem('poolConfig.connectionString', url);
    }),
    schema: optionRule((_, value, { fail }) => {
      if (value !== undefined && (typeof value !== 'string' || !IDENTIFIER.test(value)))
        fail(
          `schema must be a plain PostgreSQL identifier (letters, digits and _, not starting with a digit, at most 54 characters), got ${JSON.stringify(value)}. Choose a name without quotes, spaces or other punctuation.`,
        );
      return (value as string | undefined) ?? 'election';
    }),
    election: optionRule((_, value, { fail }) => {
      if (
        value !== undefined &&
        (typeof value !== 'string' || value.length === 0 || value.length > 200 || hasControlCharacter(value))
      )
        fail(
          `election must be a name of 1 to 200 characters without control characters, got ${JSON.stringify(value)}.`,
        );
      return (value as string | undefined) ?? 'default';
    }),
    createSchema: bool(true),
    pollMs: optional(positiveMs(1)),
    leaveTimeoutMs: positiveMs(1000),
  },
});

/** Checks the options once, with messages that say what to change (ConfigurationError). */
export function resolveOptions(options: PostgresMembershipOptions): ResolvedPostgresOptions {
  const { connectionString, pool, poolConfig, pollMs, ...resolved } = postgresOptions(options);
  if (resolved.listenProbe && !resolved.listen)
    throw new ConfigurationError(
      'listenProbe checks the listening connection, and listen: false opens none: remove listenProbe, or set listen: true.',
      { source: SOURCE },
    );
  // A hung connection must not hold a renewal past the deadline: TCP keepalive finds a dead peer,
  // and each statement has the client-side query_timeout (statements.ts). No statement_timeout:
  // pg sends it as a startup parameter, which pgbouncer refuses (review17 F2); the functions bound
  // their lock waits themselves (sql.ts, lock_timeout).
  const keepAlive = { keepAlive: true, keepAliveInitialDelayMillis: KEEPALIVE_IDLE_MS };
  const bounded = { ...keepAlive, connectionTimeoutMillis: resolved.requestTimeoutMs };
  const connection: Connection =
    pool !== undefined
      ? { pool, config: { ...(pool as { options?: pg.PoolConfig }).options, ...keepAlive } }
      : { pool: undefined, config: { ...bounded, ...(poolConfig ?? { connectionString }) } };
  return { ...resolved, connection, pollMs: pollMs ?? (resolved.listen ? 2000 : 500) };
}

/** Where `config` connects, as pg reads it (with its defaults and PG* environment variables). */
export function targetOf(config: pg.ClientConfig): {
  user: string;
  host: string;
  port: number;
  database: string;
} {
  const { user, host, port, database } = new pg.Client(config);
  return { user: user as string, host, port, database: database as string };
}

/** Where the database is, for logs: `postgres://host:port/database`, never a user or password. */
export function endpointOf(connection: Connection): string {
  try {
    const { host, port, database } = targetOf(connection.config);
    return `postgres://${host}:${port}/${database}`;
  } catch {
    // pg parses the connection settings here; its error is untyped (and the cause is not kept: it
    // may quote the settings).
    throw new ConfigurationError(
      'The connection settings could not be read: give connectionString as postgres://user:password@host:5432/database, or check the pool/poolConfig settings.',
      { source: SOURCE },
    );
  }
}
