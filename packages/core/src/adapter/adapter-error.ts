import { BackendUnavailableError, ElectionError } from '../errors.js';
import { maskError } from '../mask-error.js';
import { maskSecrets } from '../mask-secrets.js';

/**
 * Turns whatever a backend client threw into an ElectionError of this adapter. `classify` picks
 * out the failures that retrying will not fix (bad credentials, a wrong datacenter) and returns a
 * ConfigurationError for them; anything else becomes a BackendUnavailableError that core retries.
 */
export type ErrorClassifier = (
  error: unknown,
  action: string,
  reason: string,
  source: string,
) => ElectionError | undefined;

/** Maps `(error, action)` to an ElectionError; `action` reads after "Could not …". */
/** `retryInMs`: the adapter retries by itself that much later (carried as the error's `retryInMs`). */
export type ErrorMapper = (error: unknown, action: string, retryInMs?: number) => ElectionError;

/** The text of a failure, with anything credential-like masked: messages and logs never carry one. */
export function describeFailure(error: unknown): string {
  const text = maskSecrets(error instanceof Error ? error.message : String(error));
  // grpc-js ends some messages with an empty "Resolution note: ".
  return text.replace(/\s*Resolution note:\s*$/, '');
}

/**
 * The error helper every adapter builds once: `const toElectionError = createErrorMapper(SOURCE,
 * classify)`, then `throw toElectionError(error, 'renew the lease')`. An ElectionError passes
 * through, masked (see maskError); the original failure is kept as `cause`, masked; the message
 * starts `[<source>]`.
 */
export function createErrorMapper(source: string, classify?: ErrorClassifier): ErrorMapper {
  const map = (error: unknown, action: string): ElectionError => {
    if (error instanceof ElectionError) return maskError(error);
    const reason = describeFailure(error);
    const classified = classify?.(error, action, reason, source);
    if (classified !== undefined) return maskError(classified);
    return maskError(new BackendUnavailableError(`Could not ${action}: ${reason}`, { source, cause: error }));
  };
  return (error, action, retryInMs) => {
    const mapped = map(error, action);
    if (retryInMs !== undefined && mapped.retryInMs === undefined && !Object.isFrozen(mapped))
      (mapped as { retryInMs: number | undefined }).retryInMs = retryInMs;
    return mapped;
  };
}
