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
 * Turns whatever `pg` threw into this adapter's ElectionError: a login, a database, a privilege or
 * a schema that is wrong is a ConfigurationError that says what to change; anything else (refused
 * or dropped connections, timeouts, a server restarting) a BackendUnavailableError core retries.
 * Messages are masked (no password of a connection string reaches one).
 */
export const toElectionError = createErrorMapper(SOURCE, (error, action, reason) => {
  const code = (error as { code?: unknown } | null)?.code;
  const fix = typeof code === 'string' ? FIXES[code] : undefined;
  if (fix === undefined) return undefined;
  return new ConfigurationError(`Could not ${action}: ${reason}. ${fix}`, { source: SOURCE, cause: error });
});

/** One statement, bounded by `timeoutMs` on `clock`; any failure as this adapter's ElectionError. */
export function bounded<T>(work: Promise<T>, action: string, timeoutMs: number, clock: Clock): Promise<T> {
  return withTimeout(work, timeoutMs, action, { source: SOURCE, clock }).catch((error: unknown) => {
    throw toElectionError(error, action);
  });
}
