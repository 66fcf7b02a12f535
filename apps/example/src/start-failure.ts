import {
  BackendUnavailableError,
  ConfigurationError,
  ElectionError,
  StartTimeoutError,
} from '@election/core';
import { UsageError } from './flags.js';

/** Turns a ConfigurationError raised by a backend or the elector from the flags' values into exit code 2. */
export function asUsageError(error: unknown): unknown {
  return error instanceof ConfigurationError ? new UsageError(error.message) : error;
}

export interface StartContext {
  /** The backend's name: `etcd`, `consul`, `static`. */
  readonly backend: string;
  /** Where it is: `http://127.0.0.1:2379`, `3 static members`. */
  readonly endpoint: string;
  /** --start-timeout, as given. */
  readonly startTimeoutSeconds: number | undefined;
}

/** An error's message without the `[@election/etcd] ` prefix, for a sentence of our own. */
function bare(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/^\[[^\]]+\] /, '');
}

/**
 * The one line an operator reads when the node could not start: what it tried to reach, where, and
 * what to change. "could not reach etcd at http://127.0.0.1:2379 within 4 s; …"
 */
export function describeStartFailure(error: unknown, context: StartContext): string {
  const { backend, endpoint, startTimeoutSeconds } = context;
  if (error instanceof StartTimeoutError) {
    const within = `within ${startTimeoutSeconds ?? '?'} s`;
    const cause = error.cause;
    if (cause instanceof BackendUnavailableError) {
      return (
        `could not reach ${backend} at ${endpoint} ${within}; check that it runs and that this host ` +
        'can reach it, or raise --start-timeout.'
      );
    }
    // No attempt failed: the one attempt was still going (no answer, or waiting out this id's
    // previous registration, which the log says).
    if (cause === undefined) {
      return (
        `could not join ${backend} at ${endpoint} ${within}: no answer yet (${backend} unreachable, or ` +
        "this id's previous registration not expired yet: raise --start-timeout, or see --takeover)."
      );
    }
    return `could not join ${backend} at ${endpoint} ${within}: ${bare(cause)}`;
  }
  if (error instanceof ElectionError) return `could not join ${backend} at ${endpoint}: ${bare(error)}`;
  return `could not start on ${backend} at ${endpoint}: ${bare(error)}`;
}

/** The last error behind a failed start, for the log line's fields (never a stack trace). */
export function lastErrorOf(error: unknown): string | undefined {
  const cause = error instanceof StartTimeoutError ? error.cause : error;
  return cause === undefined ? undefined : bare(cause);
}
