import { type Clock, ConfigurationError, createErrorMapper, withTimeout } from '@election/core/adapter';
import { SOURCE } from './source.js';

/** SQLSTATEs and socket codes that retrying will not fix, with what to change. */
const FIXES: Readonly<Record<string, string>> = {
  '28P01': 'Check the user and password of the connection.',
  '28000': 'Check the user of the connection and pg_hba.conf (the server refuses this login).',
  '3D000': 'Check the database name of the connection (it does not exist).',
  '42501':
    'Grant the user what the adapter needs on its schema (README: "Migration and grants"), or use a user that owns it.',
  '3F000': 'Create the schema: run the migration of the README, or set createSchema: true.',
  '42883':
    'The schema lacks the election functions: run the migration of the README, or set createSchema: true.',
  '42P01':
    'The schema lacks the election tables: run the migration of the README, or set createSchema: true.',
  ENOTFOUND: 'Check the host of the connection (it does not resolve).',
};

/**
 * pgbouncer answers what it refuses itself with 08P01 (protocol_violation) and its own message
 * (pgbouncer 1.18, tested: "SASL authentication failed", "no such database: …"); a startup
 * parameter it does not track is refused unless listed in its ignore_startup_parameters (its docs).
 * The adapter sends none; one set in poolConfig is.
 */
const PGBOUNCER_FIXES: ReadonlyArray<readonly [RegExp, string]> = [
  [
    /unsupported startup parameter/,
    "A pooler (pgbouncer) refuses a startup parameter of the connection: remove it from poolConfig (statement_timeout, options...), or list it in pgbouncer's ignore_startup_parameters.",
  ],
  [
    /authentication failed/,
    'Check the user and password of the connection (pgbouncer refused them: also check its auth_file).',
  ],
  [
    /no such database/,
    'Check the database name of the connection (pgbouncer has no such entry in its [databases]).',
  ],
];

/**
 * Turns whatever `pg` threw into this adapter's ElectionError: a login, a database, a privilege or
 * a schema that is wrong is a ConfigurationError that says what to change; anything else (refused
 * or dropped connections, timeouts, a server restarting) a BackendUnavailableError core retries.
 * Messages are masked (no password of a connection string reaches one).
 */
export const toElectionError = createErrorMapper(SOURCE, (error, action, reason) => {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  const fix =
    code === '08P01'
      ? PGBOUNCER_FIXES.find(([pattern]) => pattern.test(String(message)))?.[1]
      : typeof code === 'string'
        ? FIXES[code]
        : undefined;
  if (fix === undefined) return undefined;
  return new ConfigurationError(`Could not ${action}: ${reason}. ${fix}`, { source: SOURCE, cause: error });
});

/** Bounds each statement by `timeoutMs` on `clock`; any failure as this adapter's ElectionError. */
export const boundedBy =
  (timeoutMs: number, clock: Clock) =>
  <T>(work: Promise<T>, action: string): Promise<T> =>
    withTimeout(work, timeoutMs, action, { source: SOURCE, clock }).catch((error: unknown) => {
      throw toElectionError(error, action);
    });
