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
 * pgbouncer refuses a startup parameter it does not track (08P01, "unsupported startup parameter";
 * pgbouncer's docs, ignore_startup_parameters). The adapter sends none; one set in poolConfig is.
 */
const STARTUP_PARAMETER_FIX =
  "A pooler (pgbouncer) refuses a startup parameter of the connection: remove it from poolConfig (statement_timeout, options...), or list it in pgbouncer's ignore_startup_parameters.";

/**
 * Turns whatever `pg` threw into this adapter's ElectionError: a login, a database, a privilege or
 * a schema that is wrong is a ConfigurationError that says what to change; anything else (refused
 * or dropped connections, timeouts, a server restarting) a BackendUnavailableError core retries.
 * Messages are masked (no password of a connection string reaches one).
 */
export const toElectionError = createErrorMapper(SOURCE, (error, action, reason) => {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  const fix =
    code === '08P01' && typeof message === 'string' && message.includes('unsupported startup parameter')
      ? STARTUP_PARAMETER_FIX
      : typeof code === 'string'
        ? FIXES[code]
        : undefined;
  if (fix === undefined) return undefined;
  return new ConfigurationError(`Could not ${action}: ${reason}. ${fix}`, { source: SOURCE, cause: error });
});

/** One statement, bounded by `timeoutMs` on `clock`; any failure as this adapter's ElectionError. */
export function bounded<T>(work: Promise<T>, action: string, timeoutMs: number, clock: Clock): Promise<T> {
  return withTimeout(work, timeoutMs, action, { source: SOURCE, clock }).catch((error: unknown) => {
    throw toElectionError(error, action);
  });
}
