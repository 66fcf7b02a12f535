import { BackendUnavailableError, ElectionError } from '../errors.js';

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

const SECRET_PATTERNS: ReadonlyArray<[RegExp, string]> = [
  // user:password@ in URLs
  [/(\/\/)[^/@\s:]+:[^/@\s]+@/g, '$1***@'],
  // ?token=… and similar query parameters, and "Bearer …" / X-Consul-Token headers quoted back
  [/([?&](?:token|password|secret|key)=)[^&\s]+/gi, '$1***'],
  [/(bearer\s+)[A-Za-z0-9._~+/=-]+/gi, '$1***'],
  [/(x-consul-token["']?\s*[:=]\s*["']?)[^"'\s,}]+/gi, '$1***'],
];

/** The text of a failure, with anything credential-like masked: messages and logs never carry one. */
export function describeFailure(error: unknown): string {
  let text = error instanceof Error ? error.message : String(error);
  for (const [pattern, replacement] of SECRET_PATTERNS) text = text.replace(pattern, replacement);
  // grpc-js ends some messages with an empty "Resolution note: ".
  return text.replace(/\s*Resolution note:\s*$/, '');
}

/**
 * The error helper every adapter builds once: `const toElectionError = createErrorMapper(SOURCE,
 * classify)`, then `throw toElectionError(error, 'renew the lease')`. An ElectionError passes
 * through unchanged; the original failure is kept as `cause`; the message starts `[<source>]`.
 */
export function createErrorMapper(source: string, classify?: ErrorClassifier): ErrorMapper {
  const map = (error: unknown, action: string): ElectionError => {
    if (error instanceof ElectionError) return error;
    const reason = describeFailure(error);
    const classified = classify?.(error, action, reason, source);
    if (classified !== undefined) return classified;
    return new BackendUnavailableError(`Could not ${action}: ${reason}`, { source, cause: error });
  };
  return (error, action, retryInMs) => {
    const mapped = map(error, action);
    if (retryInMs !== undefined && mapped.retryInMs === undefined)
      (mapped as { retryInMs: number | undefined }).retryInMs = retryInMs;
    return mapped;
  };
}
